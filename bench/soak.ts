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
}

async function sample(pid: number, t: number, fills: number): Promise<SoakSample> {
  const m = await memoryOfPids(await processTree(pid));
  return { t, rss: m.rss, pss: m.pss, processes: m.processes, fds: await treeFds(pid), fills };
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
    const start = await sample(proxy.pid, 0, upstream.zips());
    const samples: SoakSample[] = [start];
    ctx.log(`soak: ${ctx.soakClients} clients for ${seconds} s, one fill in ${FILL_EVERY} requests; RSS sampled every ${ctx.soakSampleSeconds} s`);
    const t0 = Date.now();
    const peak = sampleTreeRss(proxy.pid, 200);
    const prober = startProbes(proxy.url, hot);
    let loading = true;
    const sampler = (async () => {
      while (loading) {
        await sleep(ctx.soakSampleSeconds * 1000);
        if (!loading) break;
        const s = await sample(proxy.pid, (Date.now() - t0) / 1000, upstream.zips());
        samples.push(s);
        ctx.log(`soak ${s.t.toFixed(0)} s: RSS ${(s.rss / 2 ** 20).toFixed(0)} MiB over ${s.processes} process(es), ${s.fds} fds, ${s.fills} fills`);
      }
    })();
    const load = await runSoakLoad(dir, proxy.url, hot, FILL_EVERY, ctx.soakClients, seconds).finally(() => (loading = false));
    const probes = await prober.stop();
    await sampler;
    const end = await sample(proxy.pid, (Date.now() - t0) / 1000, upstream.zips());
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
    return { clients: ctx.soakClients, seconds, fillEvery: FILL_EVERY, load, probes, samples, start, end, peakRss, errors };
  } finally {
    await proxy.stop();
    await upstream.close();
  }
}
