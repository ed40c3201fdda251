// The settings every suite reads: quick or full sizes, run counts, where temp data goes, how to log.
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
  /** Zip size for the thundering herd and number of concurrent requests. */
  readonly herdZipBytes: number;
  readonly herdRequests: number;
  /** Zip size for the memory suite. */
  readonly bigZipBytes: number;
  /** Extra flags for `gomodproxy serve` and for node. */
  readonly proxyFlags: readonly string[];
  readonly nodeFlags: readonly string[];
  log(msg: string): void;
}

export function contextFor(quick: boolean, base: Pick<BenchContext, 'tmp' | 'proxyFlags' | 'nodeFlags' | 'log'>): BenchContext {
  if (quick) {
    return {
      ...base,
      quick,
      runs: 1,
      seconds: 1,
      warmupSeconds: 0,
      connections: [1, 64, 256],
      graphSize: 60,
      // Two runs, one in each order: the first run after the warm-up pass is often much faster.
      coldRuns: 2,
      herdZipBytes: 10 << 20,
      herdRequests: 500,
      bigZipBytes: 100 << 20,
    };
  }
  return {
    ...base,
    quick,
    runs: 3,
    seconds: 5,
    warmupSeconds: 2,
    connections: [1, 64, 256],
    graphSize: 200,
    // Cold runs are the noisiest (disk, page cache): more of them for the median.
    coldRuns: 5,
    herdZipBytes: 50 << 20,
    herdRequests: 500,
    bigZipBytes: 500_000_000,
  };
}
