// Suite `soak` (not in the default set): N concurrent clients for D minutes of mixed hits and fills against
// gomodproxy on loopback. Errors are counted by kind (all must be zero) and the memory of gomodproxy's whole
// process tree (workers included) is sampled from /proc every few seconds.
import path from 'node:path';
import type { BenchContext } from './context.js';
import { startProxy } from './gomodproxy.js';
import { memoryOfPids, processTree, sampleTreeRss, treeFds } from './proc.js';
import { startProbes } from './soak-probe.js';
import type { SoakProbes } from './soak-probe.js';
import { hotModule, startSoakUpstream } from './soak-upstream.js';
import { runSoakLoad } from './soak-wrk.js';
import type { SoakLoad } from './soak-wrk.js';
import { sleep } from './util.js';

/** One request in this many (per wrk thread) is a fill: about 1 % of the load keeps the fill path busy. */
export const FILL_EVERY = 100;
const HOT_MODULES = 50;

export interface SoakSample {
  /** Seconds since the load started (negative: before). */
  readonly t: number;
  readonly rss: number;
  readonly pss: number;
  readonly processes: number;
  readonly fds: number;
  /** Zips the upstream had served by then (fills). */
  readonly fills: number;
  /** V8's heap (committed, used) and memory outside it, summed over the workers, from /metrics. */
  readonly heapTotal?: number;
  readonly heapUsed?: number;
  readonly external?: number;
}

/**
 * RSS once the caches have filled: a least-squares line through the samples of the second half of the
 * run. Flat when the line moves by less than 10 % of the mean over that half: V8 collects in waves, so
 * single samples swing by more than that, and a leak shows as a steady climb, not a swing.
 */
export interface SteadyState {
  readonly fromT: number;
  readonly meanRss: number;
  readonly minRss: number;
  readonly maxRss: number;
  /** Bytes per minute. */
  readonly slope: number;
  /** slope × the half's length: what the line gained over it. */
  readonly drift: number;
  readonly flat: boolean;
}

export function steadyState(samples: readonly SoakSample[], seconds: number): SteadyState | undefined {
  const fromT = seconds / 2;
  const xs = samples.filter((s) => s.t >= fromT);
  if (xs.length < 3) return undefined;
  const mt = xs.reduce((a, s) => a + s.t, 0) / xs.length;
  const mr = xs.reduce((a, s) => a + s.rss, 0) / xs.length;
  const cov = xs.reduce((a, s) => a + (s.t - mt) * (s.rss - mr), 0);
  const vt = xs.reduce((a, s) => a + (s.t - mt) ** 2, 0);
  const perSecond = vt === 0 ? 0 : cov / vt;
  const span = (xs[xs.length - 1] as SoakSample).t - (xs[0] as SoakSample).t;
  const drift = perSecond * span;
  const rss = xs.map((s) => s.rss);
  return { fromT, meanRss: mr, minRss: Math.min(...rss), maxRss: Math.max(...rss), slope: perSecond * 60, drift, flat: Math.abs(drift) < 0.1 * mr };
}

export interface SoakResult {
  readonly clients: number;
  readonly seconds: number;
  readonly fillEvery: number;
  readonly load: SoakLoad;
  /** Latency of one hit and one fill a second, timed beside the load. */
  readonly probes: SoakProbes;
  readonly samples: readonly SoakSample[];
  readonly start: SoakSample;
  readonly end: SoakSample;
  /** Highest summed RSS seen (sampled every 200 ms). */
  readonly peakRss: number;
  /** Errors by kind: socket errors, statuses other than 200, failed checks after the load. */
  readonly errors: Record<string, number>;
  readonly steady?: SteadyState;
}

const HEAP = /^gomodproxy_nodejs_(heap_size_total|heap_size_used|external_memory)_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)$/gm;

/** V8's heap and external memory as /metrics reports them (summed over the workers by the primary). */
async function heapOf(url: string): Promise<Pick<SoakSample, 'heapTotal' | 'heapUsed' | 'external'>> {
  const text = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) })
    .then((r) => r.text())
    .catch(() => '');
  const sum: Record<string, number> = {};
  for (const m of text.matchAll(HEAP)) sum[m[1] as string] = (sum[m[1] as string] ?? 0) + Number(m[2]);
  return { heapTotal: sum.heap_size_total, heapUsed: sum.heap_size_used, external: sum.external_memory };
}

async function sample(pid: number, url: string, t: number, fills: number): Promise<SoakSample> {
  const m = await memoryOfPids(await processTree(pid));
  return { t, rss: m.rss, pss: m.pss, processes: m.processes, fds: await treeFds(pid), fills, ...(await heapOf(url)) };
}

export function soakErrors(load: SoakLoad, after: Record<string, number>, probes?: SoakProbes): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const kind of ['hit', 'fill'] as const) for (const [k, n] of Object.entries(probes?.[kind].errors ?? {})) errors[`probe ${kind} ${k}`] = n;
  for (const kind of ['connect', 'read', 'write', 'timeout'] as const) if (load[kind] > 0) errors[`socket ${kind}`] = load[kind];
  for (const [status, n] of Object.entries(load.statuses)) if (status !== '200' && n > 0) errors[`HTTP ${status}`] = n;
  for (const [kind, n] of Object.entries(after)) if (n > 0) errors[kind] = n;
  return errors;
}

export async function runSoak(ctx: BenchContext): Promise<SoakResult> {
  const dir = path.join(ctx.tmp, 'soak');
  const seconds = Math.round(ctx.soakMinutes * 60);
  const upstream = await startSoakUpstream();
  const proxy = await startProxy({ data: path.join(dir, 'data'), upstream: upstream.url, flags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags });
  try {
    const hot: string[] = [];
    for (let i = 0; i < HOT_MODULES; i++) for (const f of ['list', 'v1.0.0.info', 'v1.0.0.mod', 'v1.0.0.zip']) hot.push(`/${hotModule(i)}/@v/${f}`);
    for (const p of hot) {
      const res = await fetch(proxy.url + p);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`soak: filling ${p} answered ${res.status}`);
    }
    const start = await sample(proxy.pid, proxy.url, 0, upstream.zips());
    const samples: SoakSample[] = [start];
    ctx.log(`soak: ${ctx.soakClients} clients for ${seconds} s, one fill in ${FILL_EVERY} requests; RSS sampled every ${ctx.soakSampleSeconds} s`);
    const t0 = Date.now();
    const peak = await sampleTreeRss(proxy.pid, 200);
    const prober = startProbes(proxy.url, hot);
    let loading = true;
    const sampler = (async () => {
      while (loading) {
        await sleep(ctx.soakSampleSeconds * 1000);
        if (!loading) break;
        const s = await sample(proxy.pid, proxy.url, (Date.now() - t0) / 1000, upstream.zips());
        samples.push(s);
        ctx.log(`soak ${s.t.toFixed(0)} s: RSS ${(s.rss / 2 ** 20).toFixed(0)} MiB over ${s.processes} process(es), ${s.fds} fds, ${s.fills} fills`);
      }
    })();
    const load = await runSoakLoad(dir, proxy.url, hot, FILL_EVERY, ctx.soakClients, seconds).finally(() => (loading = false));
    const probes = await prober.stop();
    await sampler;
    const end = await sample(proxy.pid, proxy.url, (Date.now() - t0) / 1000, upstream.zips());
    samples.push(end);
    const peakRss = Math.max(await peak.stop(), ...samples.map((s) => s.rss));
    // After the load: still healthy, still serving a hit and a new fill.
    const after: Record<string, number> = {};
    for (const [kind, p] of [
      ['healthz after the load', '/healthz'],
      ['hit after the load', hot[3] as string],
      ['fill after the load', '/soak.example/cold/after/@v/v1.0.0.zip'],
    ] as const) {
      const res = await fetch(proxy.url + p).catch(() => undefined);
      await res?.arrayBuffer();
      after[kind] = res?.status === 200 ? 0 : 1;
    }
    const errors = soakErrors(load, after, probes);
    return {
      clients: ctx.soakClients,
      seconds,
      fillEvery: FILL_EVERY,
      load,
      probes,
      samples,
      start,
      end,
      peakRss,
      errors,
      steady: steadyState(samples, seconds),
    };
  } finally {
    await proxy.stop();
    await upstream.close();
  }
}
