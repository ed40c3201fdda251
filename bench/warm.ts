// Suite 1, warm hits: wrk against every contender in front of one upstream (nginx serving GOPROXY-layout
// files), each filled from it and warmed up the same way first, in alternating rounds; medians per cell.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchContext } from './context.js';
import type { Contender } from './contenders.js';
import { writeModules } from './fixtures.js';
import type { ModuleSpec } from './fixtures.js';
import { startNginx } from './nginx.js';
import { treeCpuSeconds, treeMemory } from './proc.js';
import { startContender } from './servers.js';
import type { Server } from './servers.js';
import { median } from './util.js';
import { checkPrimed, prime } from './warm-prime.js';
import { mbPerSec, reqPerSec, runWrk, writeWrkScript } from './wrk.js';
import type { WrkResult } from './wrk.js';

export interface WarmTarget {
  readonly name: string;
  readonly path: string;
  readonly zip: boolean;
}

export interface WarmRow {
  readonly target: string;
  readonly connections: number;
  readonly contender: string;
  readonly reqPerSec: number;
  readonly mbPerSec: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly errors: number;
  /** Server CPU time (user + system, all its processes) per request, median over runs: robust to a busy machine. */
  readonly cpuUsPerReq: number;
  /** The same per MB sent: the fair measure for big zips, of which few complete while many are in flight. */
  readonly cpuUsPerMB: number;
  /** Requests the upstream saw while this cell was measured (0: served from the contender's own cache). */
  readonly upstreamRequests: number;
  readonly runs: readonly WrkResult[];
  /** Server CPU seconds of each run, in the order of `runs`. */
  readonly cpuSeconds: readonly number[];
}

export interface WarmResult {
  readonly rows: WarmRow[];
  /** Summed RSS of each contender's process tree after its last round. */
  readonly rss: Record<string, number>;
  /** Size of the `.info` answer (what the Fastify yardstick returns). */
  readonly infoBytes: number;
}

const META = 'bench.example/meta';
const zipModule = (label: string): string => `bench.example/zip${label.toLowerCase()}`;

function targets(zipSizes: ReadonlyArray<[string, number]>): { mods: ModuleSpec[]; targets: WarmTarget[] } {
  const mods: ModuleSpec[] = [{ path: META, version: 'v1.0.0', zipBytes: 1024 }];
  const list: WarmTarget[] = [
    { name: '.info', path: `/${META}/@v/v1.0.0.info`, zip: false },
    { name: '.mod', path: `/${META}/@v/v1.0.0.mod`, zip: false },
    { name: '@v/list', path: `/${META}/@v/list`, zip: false },
  ];
  for (const [label, bytes] of zipSizes) {
    mods.push({ path: zipModule(label), version: 'v1.0.0', zipBytes: bytes });
    list.push({ name: `zip ${label}`, path: `/${zipModule(label)}/@v/v1.0.0.zip`, zip: true });
  }
  return { mods, targets: list };
}

/** The Fastify yardstick has one answer: it takes part in the `.info` cells only. */
export const serves = (c: Contender, t: WarmTarget): boolean => c.id !== 'fastify' || t.name === '.info';

/** Rotates the order each round, so that no contender always runs first (or right after the same one). */
export const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length] as T);

export async function runWarm(ctx: BenchContext): Promise<WarmResult> {
  const dir = path.join(ctx.tmp, 'warm');
  const files = path.join(dir, 'goproxy');
  const { mods, targets: list } = targets([
    ['16KB', 16 * 1024],
    ['1MB', 1 << 20],
    ['50MB', 50 << 20],
  ]);
  ctx.log(`warm: writing ${mods.length} modules`);
  await writeModules(files, mods);
  const script = await writeWrkScript(dir);
  // The upstream keeps an access log: requests it sees while a cell runs were not cache hits.
  const upstream = await startNginx(path.join(dir, 'upstream'), files, { accessLog: true });
  const body = await readFile(path.join(files, META, '@v', 'v1.0.0.info'), 'utf8');
  const servers = new Map<string, Server>();
  const results = new Map<string, { runs: WrkResult[]; cpu: number[]; upstream: number }>();
  const key = (c: string, t: string, n: number) => `${c}|${t}|${n}`;
  const rss: Record<string, number> = {};
  const urlOf = (c: Contender) => servers.get(c.name)?.url as string;
  const own = (c: Contender) => list.filter((t) => serves(c, t));
  try {
    for (const c of ctx.contenders) {
      const opts = { dir: path.join(dir, c.name), upstream: upstream.url, files, yardstickBody: body, proxyFlags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags };
      servers.set(c.name, await startContender(c, opts));
    }
    // Every contender fills every artifact from the upstream with the same requests, then gets the same JIT warm-up.
    for (const c of ctx.contenders) await prime(c, urlOf(c), own(c), files);
    if (ctx.warmupSeconds > 0) {
      ctx.log(`warm: ${ctx.warmupSeconds}s warm-up per target and contender`);
      for (const c of ctx.contenders) for (const t of own(c)) await runWrk(urlOf(c) + t.path, 64, ctx.warmupSeconds, script);
    }
    for (const c of ctx.contenders) await checkPrimed(c, urlOf(c), own(c), upstream);
    for (let run = 0; run < ctx.runs; run++) {
      for (const t of list) {
        for (const n of ctx.connections) {
          const order = rotate(
            ctx.contenders.filter((c) => serves(c, t)),
            run + n,
          );
          for (const c of order) {
            const pid = servers.get(c.name)?.pid as number;
            const [seen, cpu] = [await upstream.requestsSoFar(), await treeCpuSeconds(pid)];
            const r = await runWrk(urlOf(c) + t.path, n, ctx.seconds, script);
            const used = (await treeCpuSeconds(pid)) - cpu;
            const k = key(c.name, t.name, n);
            const prev = results.get(k) ?? { runs: [], cpu: [], upstream: 0 };
            results.set(k, { runs: [...prev.runs, r], cpu: [...prev.cpu, used], upstream: prev.upstream + (await upstream.requestsSoFar()) - seen });
          }
          const last = (c: Contender) => results.get(key(c.name, t.name, n))?.runs.at(-1);
          ctx.log(
            `warm ${run + 1}/${ctx.runs} ${t.name} c=${n}: ${order.map((c) => `${c.name} ${Math.round(reqPerSec(last(c) as WrkResult))}`).join(', ')} req/s`,
          );
        }
      }
    }
    for (const [name, s] of servers) rss[name] = (await treeMemory(s.pid)).rss;
  } finally {
    for (const s of servers.values()) await s.stop();
    await upstream.stop();
  }
  const rows: WarmRow[] = [];
  for (const t of list) {
    for (const n of ctx.connections) {
      for (const c of ctx.contenders.filter((x) => serves(x, t))) {
        const { runs, cpu, upstream: seen } = results.get(key(c.name, t.name, n)) ?? { runs: [], cpu: [], upstream: 0 };
        rows.push({
          target: t.name,
          connections: n,
          contender: c.name,
          reqPerSec: median(runs.map(reqPerSec)),
          mbPerSec: median(runs.map(mbPerSec)),
          p50ms: median(runs.map((r) => r.p50Us / 1000)),
          p99ms: median(runs.map((r) => r.p99Us / 1000)),
          errors: runs.reduce((a, r) => a + r.errors + r.non2xx, 0),
          cpuUsPerReq: median(runs.map((r, i) => ((cpu[i] ?? NaN) * 1e6) / r.requests)),
          cpuUsPerMB: median(runs.map((r, i) => ((cpu[i] ?? NaN) * 1e6) / (r.bytes / 1e6))),
          upstreamRequests: seen,
          runs,
          cpuSeconds: cpu,
        });
      }
    }
  }
  return { rows, rss, infoBytes: Buffer.byteLength(body) };
}
