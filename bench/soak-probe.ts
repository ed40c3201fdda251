// A probe client beside the soak's wrk load: once a second one hit and one fill (.info, .mod, .zip of a new
// module, as the go command asks), each timed on its own, so slow answers can be told apart by kind.
import { median } from './util.js';

export interface ProbeStats {
  readonly n: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly maxMs: number;
  /** Failures by kind: `timeout`, `HTTP <status>`, `network`. */
  readonly errors: Record<string, number>;
}

export interface SoakProbes {
  readonly hit: ProbeStats;
  readonly fill: ProbeStats;
}

const TIMEOUT_MS = 60_000;

function stats(times: readonly number[], errors: Record<string, number>): ProbeStats {
  const s = [...times].sort((a, b) => a - b);
  const p99 = s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] ?? NaN;
  return { n: s.length, p50ms: median(s), p99ms: p99, maxMs: s.at(-1) ?? NaN, errors };
}

/** GETs every path in turn; resolves the total time, or the kind of the first failure. */
async function timed(base: string, paths: readonly string[]): Promise<number | string> {
  const t0 = performance.now();
  for (const p of paths) {
    try {
      const res = await fetch(base + p, { signal: AbortSignal.timeout(TIMEOUT_MS) });
      await res.arrayBuffer();
      if (res.status !== 200) return `HTTP ${res.status}`;
    } catch (err) {
      return (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
    }
  }
  return performance.now() - t0;
}

/** Probes until stopped; `hot` are warm paths, fills use modules named probe<N> (new to the proxy). */
export function startProbes(base: string, hot: readonly string[]): { stop(): Promise<SoakProbes> } {
  let running = true;
  const loop = async (next: (i: number) => string[]) => {
    const times: number[] = [];
    const errors: Record<string, number> = {};
    for (let i = 0; running; i++) {
      const started = performance.now();
      const r = await timed(base, next(i));
      if (typeof r === 'number') times.push(r);
      else errors[r] = (errors[r] ?? 0) + 1;
      const wait = 1000 - (performance.now() - started);
      if (wait > 0 && running) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    return stats(times, errors);
  };
  const hits = loop((i) => [hot[(i * 7) % hot.length] as string]);
  const fills = loop((i) => ['info', 'mod', 'zip'].map((ext) => `/soak.example/cold/probe${i}/@v/v1.0.0.${ext}`));
  return {
    stop: async () => {
      running = false;
      return { hit: await hits, fill: await fills };
    },
  };
}
