// The settings every suite reads: quick or full sizes, run counts, who competes, where temp data goes, how to log.
import type { Contender } from './contenders.js';

export interface BenchContext {
  readonly quick: boolean;
  /** Temp directory for this benchmark run (removed at the end). */
  readonly tmp: string;
  /** wrk runs per cell (the median is reported) and seconds per run. */
  readonly runs: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly connections: readonly number[];
  /** Modules in the cold-fill graph, and timed runs per contender. */
  readonly graphSize: number;
  readonly coldRuns: number;
  /** The cold suite's far upstream: ms each request waits (0: no far variants). */
  readonly farUpstreamMs: number;
  /** Zip size for the thundering herd and number of concurrent requests. */
  readonly herdZipBytes: number;
  readonly herdRequests: number;
  /** Zip size for the memory suite. */
  readonly bigZipBytes: number;
  /** Soak: concurrent clients, minutes under load, seconds between memory samples. */
  readonly soakClients: number;
  readonly soakMinutes: number;
  readonly soakSampleSeconds: number;
  /** Who runs, and the gomodproxy variant judged against the targets. */
  readonly contenders: readonly Contender[];
  readonly primary?: string;
  /** Extra flags for `gomodproxy serve` and for node. */
  readonly proxyFlags: readonly string[];
  readonly nodeFlags: readonly string[];
  log(msg: string): void;
}

type Given = 'tmp' | 'proxyFlags' | 'nodeFlags' | 'log' | 'contenders' | 'primary';

export function contextFor(quick: boolean, base: Pick<BenchContext, Given>): BenchContext {
  if (quick) {
    return {
      ...base,
      quick,
      runs: 1,
      seconds: 1,
      // Even one second lets V8 compile the hot path before it is measured (the Go peers need none).
      warmupSeconds: 1,
      connections: [1, 64, 256],
      graphSize: 100,
      // Three rounds, each in another order: the first run after the warm-up pass is often much faster.
      coldRuns: 3,
      farUpstreamMs: 20,
      herdZipBytes: 10 << 20,
      herdRequests: 500,
      bigZipBytes: 100 << 20,
      soakClients: 200,
      soakMinutes: 0.5,
      soakSampleSeconds: 2,
    };
  }
  return {
    ...base,
    quick,
    runs: 3,
    seconds: 5,
    warmupSeconds: 2,
    connections: [1, 64, 256],
    graphSize: 100,
    // Cold runs are the noisiest (disk, page cache): more of them for the median.
    coldRuns: 5,
    // A round trip across a region: what a cold fill waits for on every upstream request.
    farUpstreamMs: 20,
    herdZipBytes: 50 << 20,
    herdRequests: 500,
    bigZipBytes: 500_000_000,
    soakClients: 1000,
    soakMinutes: 10,
    soakSampleSeconds: 5,
  };
}
