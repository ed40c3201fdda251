// What the dashboard asks of the whole server (one process, or every worker of `serve --workers N`), and the
// collector that samples every process on a timer (off the request path) into the timeline.
import type { LivePart } from './live.js';
import { combineLive } from './live.js';
import type { Snapshot } from './snapshot.js';
import type { Series, TimelineOptions, Window } from './timeline.js';
import { DEFAULT_TIMELINE, Timeline } from './timeline.js';

export interface OpsData {
  /** Totals since the server started, fills in flight and circuit states as they are now. */
  readonly now: Snapshot;
  readonly startedAt: number;
  /** Processes that answered (workers, or 1). */
  readonly processes: number;
  readonly series: Series;
  /** The store's size at the last eviction check and the followed feeds, over every process (live.ts). */
  readonly live: LivePart;
}

/** The whole server's figures, however many processes serve it. */
export interface ServerStats {
  ops(window: Window): Promise<OpsData>;
  /** Zip downloads of one module since start, by version. */
  downloads(modulePath: string): Promise<Record<string, number>>;
  /** Every process forgets a purged version: its memory caches and its download count. */
  forget(modulePath: string, version: string): Promise<void>;
  close(): void;
}

/** What one process contributes. */
export interface ProcessStats {
  snapshot(): Promise<Snapshot>;
  /** What this process knows now of eviction and the feeds it follows. */
  live(): Promise<LivePart>;
  downloads(modulePath: string): Record<string, number>;
  forget(modulePath: string, version: string): void;
}

/** Samples every process into a timeline: in a single process, or in the primary of workers. */
export class StatsCollector {
  private readonly timeline: Timeline;
  private readonly timer: NodeJS.Timeout;
  readonly startedAt = Date.now();

  constructor(
    private readonly gather: () => Promise<ReadonlyMap<string, Snapshot>>,
    private readonly gatherLive: () => Promise<readonly LivePart[]>,
    options: TimelineOptions = DEFAULT_TIMELINE,
  ) {
    this.timeline = new Timeline(options);
    this.timer = setInterval(() => void this.sample(), options.fineMs).unref();
  }

  private async sample(): Promise<void> {
    try {
      this.timeline.add(Date.now(), await this.gather());
    } catch {
      // A process that did not answer in time is missed for one sample; its counters catch up at the next.
    }
  }

  async ops(window: Window): Promise<OpsData> {
    const [parts, live] = await Promise.all([this.gather(), this.gatherLive()]);
    return {
      now: this.timeline.now(parts),
      startedAt: this.startedAt,
      processes: parts.size,
      series: this.timeline.series(window),
      live: combineLive(live),
    };
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** One process serving alone. */
export class LocalStats implements ServerStats {
  private readonly collector: StatsCollector;

  constructor(
    private readonly self: ProcessStats,
    options?: TimelineOptions,
  ) {
    this.collector = new StatsCollector(
      async () => new Map([['self', await self.snapshot()]]),
      async () => [await self.live()],
      options,
    );
  }

  ops(window: Window): Promise<OpsData> {
    return this.collector.ops(window);
  }

  async downloads(modulePath: string): Promise<Record<string, number>> {
    return this.self.downloads(modulePath);
  }

  async forget(modulePath: string, version: string): Promise<void> {
    this.self.forget(modulePath, version);
  }

  close(): void {
    this.collector.close();
  }
}
