// Suite 2, cold fills: `go mod download` of a generated module graph through each empty contender
// (gomodproxy, goproxy, Athens) against the go command straight at the upstream (nginx serving the files),
// GOSUMDB=off everywhere; plus gomodproxy and the go command verifying against a local checksum database.
// Each contender is timed twice from one start: the first graph through a process that has just started,
// then a second graph of other modules (same shape) through the same, now running process. Both find an
// empty cache; the second is what a proxy that has been up for a while does on a miss (a JIT runtime has
// compiled its fill path by then; a Go binary has nothing to warm). With nginx among the contenders, two
// yardsticks run too: nginx only forwarding to the upstream, and nginx storing what it forwards; with
// gomodproxy, a third: a bare Node.js proxy storing what it forwards (the runtime's floor). Unless
// `--far-upstream 0`, the go command, gomodproxy and goproxy also run against the upstream moved far away
// (bench/far-front.ts): what a proxy's fills cost when each upstream request waits for a round trip.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { goEnv } from '../test/helpers/go.js';
import type { TestSumdb } from '../test/helpers/test-sumdb.js';
import { coldSumdb } from './cold-sumdb.js';
import type { BenchContext } from './context.js';
import type { Contender } from './contenders.js';
import { graphModules, mainGoMod, writeModules } from './fixtures.js';
import { startFarFront } from './far-front.js';
import { startNginx, startNginxFront } from './nginx.js';
import { DeferredRemovals } from './removals.js';
import { startContender, startNodeFront } from './servers.js';
import { treeCpuSeconds } from './proc.js';
import { median } from './util.js';
import { rotate } from './warm.js';

/** One way of running the download: straight at the upstream (no contender) or through an empty contender. */
export interface ColdVariant {
  readonly name: string;
  readonly label: string;
  readonly contender?: Contender;
  /** Verify against the test checksum database (the go command with GOSUMDB on; gomodproxy with --sumdb). */
  readonly sumdb: boolean;
  /** The second graph through the same process: the name of the variant whose first graph came before. */
  readonly runningAfter?: string;
  /**
   * A yardstick instead of a contender: nginx forwarding to the upstream, or storing what it forwards; or a bare
   * Node.js proxy storing what it forwards (bench/node-front.ts).
   */
  readonly front?: 'forward' | 'store' | 'node';
  /** Against the upstream moved far away (`--far-upstream`), compared with the go command straight at it. */
  readonly far?: boolean;
}

/** The name of a variant's second graph, timed through the process that served the first. */
export const running = (name: string): string => `${name}-running`;

export interface ColdResult {
  readonly modules: number;
  readonly versions: number;
  readonly variants: readonly ColdVariant[];
  /** Seconds per variant, one record per round (variants ran back to back, in rotating order). */
  readonly runs: ReadonlyArray<Record<string, number>>;
  /** Median seconds per variant. */
  readonly seconds: Record<string, number>;
  /**
   * CPU seconds (user + system) the answering server's process tree used per graph, one record per round; only
   * variants with a server (not the go command straight at the upstream, whose client CPU is not counted anywhere).
   * Other load on a shared machine moves this far less than wall time: it says what each contender pays per miss.
   * Absent from results saved before it was measured (`bench/render.ts` renders those too).
   */
  readonly cpuRuns?: ReadonlyArray<Record<string, number>>;
  /** Median of cpuRuns per variant. */
  readonly cpu?: Record<string, number>;
}

/** Median over rounds of a's time / b's time: the machine drifts far more between rounds than within one. */
export function pairRatio(r: ColdResult | undefined, a: string, b: string): number {
  const ratios = (r?.runs ?? []).filter((x) => x[a] !== undefined && x[b] !== undefined).map((x) => (x[a] as number) / (x[b] as number));
  return median(ratios);
}

/** The variant the go command straight at the (near or far) upstream gives the ratio for. */
export function directFor(v: ColdVariant): string {
  const first = v.far === true ? 'direct-far' : v.sumdb ? 'direct-sumdb' : 'direct';
  return v.runningAfter === undefined ? first : running(first);
}

export function coldVariants(contenders: readonly Contender[], farMs = 0): ColdVariant[] {
  const out: ColdVariant[] = [];
  const ids = new Set(contenders.map((c) => c.id));
  if (ids.has('nginx')) {
    out.push({ name: 'direct', label: 'go straight at the upstream', sumdb: false });
    out.push({ name: 'direct-sumdb', label: 'go straight at the upstream, GOSUMDB on', sumdb: true });
    // What any proxy adds here, at the least: one more hop (forward), and keeping a copy (store).
    out.push({ name: 'nginx-forward', label: 'nginx only forwarding to the upstream', sumdb: false, front: 'forward' });
    out.push({ name: 'nginx-store', label: 'nginx storing what it forwards (no fsync, no checks)', sumdb: false, front: 'store' });
  }
  if (ids.has('gomodproxy')) {
    // Cold fills run gomodproxy with its default settings (its default worker count).
    const c: Contender = { name: 'gomodproxy', id: 'gomodproxy', label: 'gomodproxy' };
    out.push({ name: 'gomodproxy', label: 'gomodproxy', contender: c, sumdb: false });
    out.push({ name: 'gomodproxy-sumdb', label: 'gomodproxy, checksum verification on', contender: c, sumdb: true });
    // One process, no primary to coordinate with: on a small machine, where the go command asks for at most
    // GOMAXPROCS files at a time, whether the workers' coordination costs more than it gives.
    const one = contenders.find((x) => x.id === 'gomodproxy' && x.workers === 1);
    if (one !== undefined && os.availableParallelism() > 1) out.push({ name: 'gomodproxy-w1', label: one.label, contender: one, sumdb: false });
    // The runtime's floor: what Node.js alone costs per miss here, keeping its copies as gomodproxy does.
    out.push({
      name: 'node-store',
      label: 'a bare Node.js proxy storing what it forwards (fsync and rename behind the answer, no checks)',
      sumdb: false,
      front: 'node',
    });
  }
  for (const c of contenders) if (c.id === 'goproxy' || c.id === 'athens') out.push({ name: c.name, label: c.label, contender: c, sumdb: false });
  if (farMs > 0 && ids.has('nginx')) {
    const far = `an upstream ${farMs} ms away`;
    out.push({ name: 'direct-far', label: `go straight at ${far}`, sumdb: false, far: true });
    for (const v of out.filter((x) => x.contender !== undefined && !x.sumdb && (x.name === 'gomodproxy' || x.contender.id === 'goproxy')))
      out.push({ ...v, name: `${v.name}-far`, label: `${v.label}, ${far}`, far: true });
  }
  const second = out.map((v) => ({
    ...v,
    name: running(v.name),
    label: v.contender === undefined && v.front === undefined ? `${v.label} (second graph)` : `${v.label}, already running (second graph)`,
    runningAfter: v.name,
  }));
  return [...out, ...second];
}

/**
 * Runs `go mod download` in a fresh main module and module cache; resolves its wall time in seconds. The
 * module cache is removed right after, or handed to `removals` to go after the suite's timed runs.
 */
export async function timedDownload(goMod: string, goproxy: string, extra: Record<string, string>, removals?: DeferredRemovals): Promise<number> {
  // goEnv: an isolated HOME, GOPATH, GOMODCACHE and GOCACHE, GOSUMDB=off, GOFLAGS=-modcacherw.
  const go = await goEnv(goproxy, extra);
  try {
    const work = path.join(go.home, 'main');
    await mkdir(work, { recursive: true });
    await writeFile(path.join(work, 'go.mod'), goMod);
    // Earlier runs leave dirty pages behind; flush them so that each run starts from the same state.
    execFileSync('sync');
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      execFile('go', ['mod', 'download'], { cwd: work, env: go.env, timeout: 600_000, maxBuffer: 8 << 20 }, (err, _out, stderr) =>
        err === null ? resolve() : reject(new Error(`go mod download via ${goproxy} failed: ${err.message}\n${stderr.slice(-2000)}`)),
      );
    });
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    if (removals === undefined) await rm(go.home, { recursive: true, force: true });
    else removals.later(go.home);
  }
}

interface ColdSetup {
  readonly ctx: BenchContext;
  readonly dir: string;
  readonly files: string;
  readonly goMod: string;
  /** The second graph's main module: the same shape, other module paths. */
  readonly goModSecond: string;
  readonly upstream: string;
  /** The upstream moved far away, when a variant runs against it. */
  readonly farUpstream?: string;
  readonly db?: TestSumdb;
  /** Module caches and contenders' directories, removed after the last timed run (removals.ts says why). */
  readonly removals: DeferredRemovals;
}

/** `run`'s result and the CPU seconds the process tree of `pid` used meanwhile. */
export async function withCpu<T>(pid: number, run: () => Promise<T>): Promise<[T, number]> {
  const before = await treeCpuSeconds(pid);
  const out = await run();
  return [out, (await treeCpuSeconds(pid)) - before];
}

/** One variant's round: seconds of the first and the second graph, and the server's CPU seconds for each (none straight at the upstream). */
interface VariantRound {
  readonly seconds: [number, number];
  readonly cpu?: [number, number];
}

/**
 * Variant `v` in round `i`: the first graph timed straight at the upstream or through a fresh contender, then
 * the second graph the same way (through the same contender process); seconds of each.
 */
async function timeVariant(s: ColdSetup, v: ColdVariant, i: number): Promise<VariantRound> {
  const { ctx, db } = s;
  // Straight at the upstream the go command asks the database itself; through gomodproxy it names only
  // the key and reaches the database through the proxy's /sumdb/ relay, as with GOSUMDB=sum.golang.org.
  const env: Record<string, string> = v.sumdb ? { GOSUMDB: (v.contender === undefined ? db?.gosumdb : db?.key) ?? '' } : {};
  const asked = db?.hits.length ?? 0;
  const upstream = v.far === true ? (s.farUpstream as string) : s.upstream;
  const first = (url: string) => timedDownload(s.goMod, url, env, s.removals);
  const second = (url: string) => timedDownload(s.goModSecond, url, env, s.removals);
  // A server of this variant and round, in a directory of its own, removed after the suite's last run.
  const through = async (start: (dir: string) => Promise<{ readonly url: string; readonly pid: number; stop(): Promise<void> }>): Promise<VariantRound> => {
    const dir = path.join(s.dir, `${v.name}-${i}`);
    const server = await start(dir);
    try {
      const [a, cpuA] = await withCpu(server.pid, () => first(server.url));
      const [b, cpuB] = await withCpu(server.pid, () => second(server.url));
      return { seconds: [a, b], cpu: [cpuA, cpuB] };
    } finally {
      await server.stop();
      s.removals.later(dir);
    }
  };
  const { front, contender } = v;
  let round: VariantRound;
  if (front === 'node') round = await through((dir) => startNodeFront(dir, upstream));
  else if (front !== undefined) round = await through((dir) => startNginxFront(dir, upstream, front));
  else if (contender === undefined) round = { seconds: [await first(upstream), await second(upstream)] };
  else {
    const sumdb = v.sumdb ? db?.gosumdb : undefined;
    round = await through((dir) => startContender(contender, { dir, upstream, files: s.files, sumdb, proxyFlags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags }));
  }
  // A verified run that never reached the database would be an unverified run under the wrong name.
  if (v.sumdb && (db?.hits.length ?? 0) === asked) throw new Error(`cold: ${v.label} never asked the checksum database`);
  return round;
}

export async function runCold(ctx: BenchContext): Promise<ColdResult> {
  const dir = path.join(ctx.tmp, 'cold');
  const files = path.join(dir, 'goproxy');
  const mods = graphModules(ctx.graphSize);
  const second = graphModules(ctx.graphSize, 'bench.example/second');
  const variants = coldVariants(ctx.contenders, ctx.farUpstreamMs);
  ctx.log(`cold: writing two graphs of ${ctx.graphSize} modules (${mods.length} versions each)`);
  await writeModules(files, [...mods, ...second]);
  const upstream = await startNginx(path.join(dir, 'nginx'), files);
  const far = variants.some((v) => v.far === true) ? await startFarFront(upstream.url, ctx.farUpstreamMs) : undefined;
  const db = variants.some((v) => v.sumdb) ? await coldSumdb(files, [...mods, ...second]) : undefined;
  const removals = new DeferredRemovals();
  const setup: ColdSetup = {
    ctx,
    dir,
    files,
    goMod: mainGoMod(mods),
    goModSecond: mainGoMod(second),
    upstream: upstream.url,
    farUpstream: far?.url,
    db,
    removals,
  };
  const runs: Array<Record<string, number>> = [];
  const cpuRuns: Array<Record<string, number>> = [];
  try {
    // One untimed pass warms the OS page cache and the go binary for every variant alike.
    await timedDownload(setup.goMod, upstream.url, {}, removals);
    await timedDownload(setup.goModSecond, upstream.url, {}, removals);
    const firsts = variants.filter((v) => v.runningAfter === undefined);
    for (let i = 0; i < ctx.coldRuns; i++) {
      const round: Record<string, number> = {};
      const cpu: Record<string, number> = {};
      for (const v of rotate(firsts, i)) {
        const r = await timeVariant(setup, v, i);
        [round[v.name], round[running(v.name)]] = r.seconds;
        if (r.cpu !== undefined) [cpu[v.name], cpu[running(v.name)]] = r.cpu;
      }
      runs.push(round);
      cpuRuns.push(cpu);
      ctx.log(`cold ${i + 1}/${ctx.coldRuns}: ${variants.map((v) => `${v.name} ${round[v.name]?.toFixed(2)} s`).join(', ')}`);
    }
  } finally {
    await db?.close();
    await far?.stop();
    await upstream.stop();
    await removals.now();
  }
  const seconds = Object.fromEntries(variants.map((v) => [v.name, median(runs.map((r) => r[v.name] as number))]));
  const measured = variants.filter((v) => cpuRuns.some((r) => r[v.name] !== undefined));
  const cpu = Object.fromEntries(measured.map((v) => [v.name, median(cpuRuns.flatMap((r) => (r[v.name] === undefined ? [] : [r[v.name] as number])))]));
  return { modules: ctx.graphSize, versions: mods.length, variants, runs, seconds, cpuRuns, cpu };
}
