// Following parents' index feeds from the configuration (--follow, --follow-prefix, …): per feed an HTTP
// fetcher with the upstream timeouts and retries, a durable cursor and a lease in the coordinator, and a
// follower that stores new versions through the composed fill path. `serve` runs them in the background;
// `sync` runs them once.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { FeedPart } from '../dashboard/live.js';
import type { Coordinator } from '../coord/coordinator.js';
import { tryHold } from '../coord/lease.js';
import { CursorStore } from '../feed/cursor.js';
import { feedBase, fetchFeedPage } from '../feed/feed-client.js';
import { FollowLoop } from '../feed/follow-loop.js';
import { Follower } from '../feed/follower.js';
import type { Result } from '../feed/follower.js';
import type { Fill } from '../fill/types.js';
import type { Metrics } from '../metrics.js';
import type { DeadlinePolicy } from '../upstream/deadline.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { redactURL } from '../protocol/proxy-list.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import type { HttpFetcherOptions } from '../upstream/http-fetcher.js';

/** Tries of a version `sync` makes while the upstream fails (about 15 s of backoff) before it leaves it for the next run. */
const SYNC_TRANSIENT_ATTEMPTS = 5;

export interface FollowDeps {
  readonly coord: Coordinator;
  readonly fill: Fill;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly redact: (modulePath: string) => string;
  readonly isPrivate: (modulePath: string) => boolean;
  readonly httpOptions: HttpFetcherOptions;
  /** How long reading one page may take (--fill-deadline): a parent trickling an endless answer is cut off. */
  readonly pageDeadline?: DeadlinePolicy;
}

export interface SyncReport {
  readonly feed: string;
  /** Undefined when another process follows this feed now. */
  readonly caughtUp?: boolean;
  readonly counts: ReadonlyMap<Result, number>;
  /** Entries stamped after now (the parent's clock ahead): not followed yet, the cursor stays before them. */
  readonly held?: number;
}

interface Followed {
  readonly name: string;
  readonly lease: string;
  readonly follower: Follower;
  readonly loop: FollowLoop;
  readonly fetcher: HttpFetcher;
}

/** How a --follow URL is named in logs, metrics and the dashboard: its feed's URL without credentials. */
export const feedName = (url: string): string => redactURL(feedBase(url));

export class Followers {
  readonly #feeds: Followed[];
  readonly #metrics: Metrics;

  constructor(config: Readonly<Config>, deps: FollowDeps) {
    this.#metrics = deps.metrics;
    const prefix = config.follow.prefix;
    const accept = (p: string) => prefix === '' || matchPrefixPatterns(prefix, p);
    this.#feeds = config.follow.urls.map((url) => {
      const base = feedBase(url);
      const name = feedName(url);
      // Keyed by the feed without credentials: rotating a password keeps the cursor.
      const id = createHash('sha256').update(name).digest('hex').slice(0, 16);
      const fetcher = new HttpFetcher(base, { ...deps.httpOptions, role: 'feed' }, deps.metrics, deps.log);
      const follower = new Follower({
        name,
        fetchPage: (since) => fetchFeedPage(fetcher, since, { deadline: deps.pageDeadline }),
        fill: deps.fill,
        cursor: new CursorStore(deps.coord, `follow/${id}/cursor`),
        accept,
        concurrency: config.follow.concurrency,
        logger: deps.log,
        redact: deps.redact,
        isPrivate: deps.isPrivate,
        metrics: deps.metrics,
      });
      const lease = `follow:${id}`;
      const loop = new FollowLoop({ name, coord: deps.coord, lease, follower, intervalMs: config.follow.interval, logger: deps.log, metrics: deps.metrics });
      return { name, lease, follower, loop, fetcher };
    });
  }

  /** Follows every feed in the background (the server's way). */
  start(): void {
    for (const f of this.#feeds) f.loop.start();
  }

  /** Catches up with every feed once, each under its lease (the `sync` command's way). */
  async syncOnce(coord: Coordinator, signal: AbortSignal): Promise<SyncReport[]> {
    return Promise.all(
      this.#feeds.map(async (f): Promise<SyncReport> => {
        const held = await tryHold(coord, f.lease, 15_000);
        if (held === undefined) return { feed: f.name, counts: f.follower.counts };
        try {
          // One run ends: a version the upstream cannot give now is left for the next run, which starts before it.
          const caughtUp = await f.follower.catchUp(AbortSignal.any([signal, held.lost]), { transientAttempts: SYNC_TRANSIENT_ATTEMPTS });
          return { feed: f.name, caughtUp, counts: f.follower.counts, held: f.follower.held };
        } finally {
          await held.release();
        }
      }),
    );
  }

  /** Each feed as this process sees it now (the dashboard's follow cards): its lag and refusal count only while it follows. */
  async states(): Promise<FeedPart[]> {
    const errors = (await this.#metrics.followErrors.get()).values;
    return this.#feeds.map((f) => {
      const lag = f.follower.lagSeconds;
      return {
        feed: f.name,
        following: f.loop.following,
        ...(lag === undefined ? {} : { lagSeconds: lag }),
        refused: f.follower.refusals.refusing,
        entries: Object.fromEntries(f.follower.counts),
        errors: errors.reduce((n, v) => (v.labels.feed === f.name ? n + v.value : n), 0),
      };
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.#feeds.map((f) => f.loop.close()));
    await Promise.all(this.#feeds.map((f) => f.fetcher.close()));
  }
}
