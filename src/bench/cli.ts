// `gomodproxy bench [URL…]`: runs the same workload against every endpoint at once, consults the checksum
// database alongside, then prints the ranked report and a recommended GOPROXY. Ctrl-C prints what it has.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reportUsage } from '../cli/args.js';
import type { CliIO, Command } from '../cli/io.js';
import { analyze } from './analyze.js';
import { renderHTML, renderSVG } from './chart.js';
import { parseBenchArgs, loadWorkload, USAGE } from './options.js';
import type { BenchOptions } from './options.js';
import { recommend } from './recommend.js';
import { renderJSON, renderMarkdown, renderText } from './report.js';
import type { BenchReport } from './report.js';
import { benchEndpoint, verifyZips } from './runner.js';
import { lookupSums } from './sumdb-check.js';
import type { ModuleVersion } from '../protocol/module-lists.js';

export const run: Command = async (argv, io) => {
  // Help first: the defaults read from $GOPROXY and $GOSUMDB must not stand in its way.
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  let opts: BenchOptions;
  let workload: ModuleVersion[];
  try {
    opts = parseBenchArgs(argv, io.env, io.cwd);
    workload = await loadWorkload(opts);
    if (workload.length === 0) throw new Error('the workload is empty: no module versions to fetch');
  } catch (err) {
    return reportUsage(io, 'bench', err as Error);
  }
  const report = await bench(opts, workload, io);
  const out = opts.format === 'json' ? renderJSON(report) : opts.format === 'markdown' ? renderMarkdown(report) : renderText(report);
  io.stdout.write(out);
  if (opts.chart !== undefined) {
    const title = `GOPROXY latency, ${report.modules} module version(s), ${new Date(report.startedAt).toUTCString()}`;
    const eps = report.analysis.endpoints;
    await writeFile(opts.chart, /\.html?$/i.test(opts.chart) ? renderHTML(eps, title) : renderSVG(eps, title));
    io.stderr.write(`chart written to ${opts.chart}\n`);
  }
  if (report.partial === 'interrupted') return 130;
  const eps = report.analysis.endpoints;
  // A conflict means some endpoint served altered bytes, even if nothing tells which.
  return eps.some((e) => e.status === 'altered' || e.status === 'conflict') || eps.every((e) => e.status === 'down') ? 1 : 0;
};

export async function bench(opts: BenchOptions, workload: readonly ModuleVersion[], io: CliIO): Promise<BenchReport> {
  const started = Date.now();
  const stop = new AbortController();
  let partial: BenchReport['partial'];
  const onInterrupt = () => {
    partial = 'interrupted';
    stop.abort();
  };
  if (io.signal?.aborted) onInterrupt();
  io.signal?.addEventListener('abort', onInterrupt, { once: true });
  const cap = setTimeout(() => {
    partial ??= 'duration cap';
    stop.abort();
  }, opts.durationMs);
  const tmp = await mkdtemp(path.join(tmpdir(), 'gomodproxy-bench-'));
  const perEndpoint = opts.requests ?? workload.length * 4;
  const progress = startProgress(io, opts, opts.endpoints.length * perEndpoint);
  try {
    const sums =
      opts.sumdb === undefined
        ? undefined
        : lookupSums(opts.sumdb, workload, {
            timeoutMs: opts.timeoutMs,
            signal: stop.signal,
            explicitURL: opts.sumdb.explicitURL,
            relays: opts.endpoints.filter((u) => !u.startsWith('file:')),
            env: io.env,
          });
    const results = await Promise.all(
      opts.endpoints.map((url) =>
        benchEndpoint(url, workload, {
          concurrency: opts.concurrency,
          maxRequests: perEndpoint,
          timeoutMs: opts.timeoutMs,
          signal: stop.signal,
          tmpDir: tmp,
          onSample: progress.tick,
          env: io.env,
        }),
      ),
    );
    for (const r of results) await verifyZips(r);
    const db = await sums;
    const analysis = analyze(results, workload, db?.error === undefined ? db : undefined);
    return {
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      partial,
      modules: workload.length,
      sumdb: db && { name: db.name, base: db.base, records: db.records.size, unknown: db.unknown.length, error: db.error },
      analysis,
      recommendation: recommend(analysis.endpoints),
    };
  } finally {
    clearTimeout(cap);
    io.signal?.removeEventListener('abort', onInterrupt);
    progress.done();
    await rm(tmp, { recursive: true, force: true });
  }
}

/** A one-line bar on stderr, only when it is a terminal and the output is for people. */
function startProgress(io: CliIO, opts: BenchOptions, total: number): { tick: () => void; done: () => void } {
  const err = io.stderr as CliIO['stderr'] & { isTTY?: boolean };
  if (!opts.progress || opts.format === 'json' || err.isTTY !== true || total === 0) return { tick: () => {}, done: () => {} };
  let n = 0;
  const started = Date.now();
  const draw = () => {
    const width = 30;
    const filled = Math.min(width, Math.round((n / total) * width));
    err.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${n}/${total} requests, ${((Date.now() - started) / 1000).toFixed(1)} s`);
  };
  const timer = setInterval(draw, 200);
  return {
    tick: () => void n++,
    done: () => {
      clearInterval(timer);
      draw();
      err.write('\n');
    },
  };
}
