// The dashboard's figures over every worker of `serve --workers N`. The primary keeps the one timeline: it
// samples every worker's counters on a timer (so history survives a worker's restart and each process's
// counters are compared with its own last copy), and answers workers' API requests from it. Downloads and
// purges are gathered from, or sent to, every worker when asked.
import type { Channel } from '../coord/ipc.js';
import { addCounts } from '../dashboard/downloads.js';
import type { LivePart } from '../dashboard/live.js';
import type { Snapshot } from '../dashboard/snapshot.js';
import type { OpsData, ProcessStats, ServerStats } from '../dashboard/stats.js';
import { StatsCollector } from '../dashboard/stats.js';
import type { TimelineOptions, Window } from '../dashboard/timeline.js';
import { GatherHub, GatherPeer } from './cluster-gather.js';

type Query =
  | { readonly kind: 'snapshot' }
  | { readonly kind: 'live' }
  | { readonly kind: 'ops'; readonly window: Window }
  | { readonly kind: 'downloads'; readonly module: string }
  | { readonly kind: 'forget'; readonly module: string; readonly version: string };

const PREFIX = 'gmp-stats';

/** Primary side: add every worker's channel; close on shutdown. */
export class StatsHub {
  readonly hub: GatherHub;
  private readonly collector: StatsCollector;

  constructor(options?: TimelineOptions) {
    this.hub = new GatherHub(PREFIX, (q) => this.answer(q as Query));
    this.collector = new StatsCollector(
      async () => (await this.hub.gather({ kind: 'snapshot' } satisfies Query)) as Map<string, Snapshot>,
      async () => [...(await this.hub.gather({ kind: 'live' } satisfies Query)).values()] as LivePart[],
      options,
    );
  }

  add(id: string, channel: Channel): () => void {
    return this.hub.add(id, channel);
  }

  private async answer(q: Query): Promise<unknown> {
    switch (q.kind) {
      case 'ops':
        return this.collector.ops(q.window);
      case 'downloads':
        return addCounts([...(await this.hub.gather(q)).values()] as Array<Record<string, number>>);
      case 'forget':
        return (await this.hub.gather(q)).size;
      default:
        throw new Error(`unknown question ${JSON.stringify(q)}`);
    }
  }

  close(): void {
    this.collector.close();
  }
}

/** Worker side: answers for the whole server by asking the primary. */
export class WorkerStats implements ServerStats {
  private readonly peer: GatherPeer;

  constructor(channel: Channel, self: ProcessStats) {
    this.peer = new GatherPeer(PREFIX, channel, async (raw) => {
      const q = raw as Query;
      if (q.kind === 'snapshot') return self.snapshot();
      if (q.kind === 'live') return self.live();
      if (q.kind === 'downloads') return self.downloads(q.module);
      if (q.kind === 'forget') return self.forget(q.module, q.version);
      throw new Error(`unknown question ${JSON.stringify(q)}`);
    });
  }

  async ops(window: Window): Promise<OpsData> {
    return (await this.peer.ask({ kind: 'ops', window } satisfies Query)) as OpsData;
  }

  async downloads(modulePath: string): Promise<Record<string, number>> {
    return (await this.peer.ask({ kind: 'downloads', module: modulePath } satisfies Query)) as Record<string, number>;
  }

  async forget(modulePath: string, version: string): Promise<void> {
    await this.peer.ask({ kind: 'forget', module: modulePath, version } satisfies Query);
  }

  close(): void {
    this.peer.close();
  }
}
