// Following a feed for as long as the server runs: one process at a time (a lease per feed, so workers and
// replicas never fetch the same version twice), catching up every interval, backing off while the feed
// cannot be read, and stopping cleanly (in-flight versions finish, the cursor is saved) at shutdown.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import { tryHold } from '../coord/lease.js';
import type { Metrics } from '../metrics.js';
import type { Follower } from './follower.js';
import { FEED_PAGES } from './refusals.js';

export interface FollowLoopOptions {
  readonly name: string;
  readonly coord: Coordinator;
  /** The lease that makes one process the follower of this feed. */
  readonly lease: string;
  readonly follower: Follower;
  readonly intervalMs: number;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  readonly maxBackoffMs?: number;
}

const LEASE_TTL_MS = 15_000;

export class FollowLoop {
  readonly #stop = new AbortController();
  #running: Promise<void> = Promise.resolve();
  #following = false;

  constructor(private readonly opts: FollowLoopOptions) {}

  start(): void {
    this.#running = this.#run();
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      const held = await tryHold(this.opts.coord, this.opts.lease, LEASE_TTL_MS).catch(() => undefined);
      if (held === undefined) {
        // Another process follows this feed (or the coordinator is away): look again later.
        await pause(Math.max(this.opts.intervalMs, 2000), stop);
        continue;
      }
      this.#following = true;
      try {
        await this.#follow(AbortSignal.any([stop, held.lost]));
      } finally {
        this.#following = false;
        await held.release();
      }
    }
  }

  async #follow(signal: AbortSignal): Promise<void> {
    const first = Math.min(this.opts.intervalMs, 1000);
    let backoff = first;
    while (!signal.aborted) {
      try {
        await this.opts.follower.catchUp(signal);
        backoff = first;
        await pause(this.opts.intervalMs, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.opts.metrics?.followErrors.inc({ feed: this.opts.name, kind: 'feed' });
        // A refusal (401/403) is a token to fix: told once per run, retried with the same backoff.
        if (!this.opts.follower.refusals.told(err, FEED_PAGES, { retryInMs: backoff }))
          this.opts.logger.warn({ feed: this.opts.name, retryInMs: backoff, err: (err as Error).message }, 'could not follow a feed; retrying');
        await pause(backoff, signal);
        backoff = Math.min(this.opts.maxBackoffMs ?? 60_000, backoff * 2);
      }
    }
  }

  /** Whether this process follows the feed now (it holds the feed's lease). */
  get following(): boolean {
    return this.#following;
  }

  /** Stops following: versions being stored finish and the cursor is saved first. */
  async close(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return sleep(ms, undefined, { signal }).catch(() => undefined);
}
