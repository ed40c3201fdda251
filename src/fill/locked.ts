// One fill per artifact across processes (workers, replicas): the fill runs holding its key (a coordinator
// lease, or a lock file among the workers of one primary: coord/exclusive.ts), and storage is checked again
// inside, so a late process reuses the winner's result. Waiters poll until the key is free, then look in
// storage; a holder that died loses the key (its lease lapses, or the primary gives its locks back) and a
// waiter takes over. With the coordination unusable, fills go on with in-process singleflight only
// (degraded: duplicate fetches are possible, wrong bytes are not, since every store is atomic).
import type { Logger } from 'pino';
import type { Exclusive, Held } from '../coord/exclusive.js';
import { isGmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { Fill, Filled, Want } from './types.js';
import { isMutable, lockNameOf } from './types.js';

export interface LockedOptions {
  /** A waiter stops waiting after this long and fills itself (the holder may be stuck). */
  readonly maxWaitMs?: number;
}

export class LockedFill implements Fill {
  private readonly maxWaitMs: number;

  constructor(
    private readonly inner: Fill,
    /** Coordinator leases, or the lock files of one primary's workers (coord/exclusive.ts). */
    private readonly locks: Exclusive,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    opts: LockedOptions = {},
  ) {
    this.maxWaitMs = opts.maxWaitMs ?? 15 * 60_000;
  }

  stored(want: Want): Promise<Filled | undefined> {
    return this.inner.stored(want);
  }

  async fill(asked: Want): Promise<Filled> {
    const name = lockNameOf(asked);
    const deadline = Date.now() + this.maxWaitMs;
    // A list or query stored by another process counts only if it was fetched after this fill was asked for.
    // Its deadline counts from now: a waiter that takes over after a failed holder gets only what is left.
    const startedAt = asked.startedAt ?? Date.now();
    const want: Want = isMutable(asked.kind) ? { ...asked, freshAfter: asked.freshAfter ?? startedAt, startedAt } : { ...asked, startedAt };
    for (;;) {
      let held: Held | undefined;
      try {
        held = await this.locks.tryHold(name);
      } catch (err) {
        if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
        return this.degraded(want, err);
      }
      if (held !== undefined) {
        const lease = held;
        try {
          const done = await this.inner.stored(want);
          if (done !== undefined) {
            await lease.release();
            return done;
          }
          const filled = await this.inner.fill(want);
          // Others wait for the durable copy, not just for the answer.
          void filled.durable.finally(() => lease.release());
          return filled;
        } catch (err) {
          await lease.release();
          throw err;
        }
      }
      try {
        await this.locks.waitUntilFree(name, AbortSignal.timeout(Math.max(1, deadline - Date.now())));
      } catch (err) {
        if (isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) return this.degraded(want, err);
        if ((err as Error).name !== 'TimeoutError') throw err;
        this.log.warn({ lease: name }, 'gave up waiting for another process to fill; filling here');
        return this.inner.fill(want);
      }
      const done = await this.inner.stored(want);
      if (done !== undefined) return done;
      // The holder failed (or died and its lease lapsed): try to take over.
    }
  }

  private degraded(want: Want, err: unknown): Promise<Filled> {
    this.metrics?.coordinatorUnavailable.inc({ op: 'fill' });
    this.log.warn({ err: (err as Error).message }, 'coordinator unreachable: filling without cross-process locking (degraded)');
    return this.inner.fill(want);
  }
}
