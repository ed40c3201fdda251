// One fill per artifact across processes (workers, replicas): the fill runs holding its key (a coordinator
// lease, or a lock file among the workers of one primary: coord/exclusive.ts), and storage is checked again
// inside, so a late process reuses the winner's result. Waiters poll until the key is free, then look in
// storage; a holder that died loses the key (its lease lapses, or the primary gives its locks back) and a
// waiter takes over. With the coordination unusable, fills go on with in-process singleflight only
// (degraded: duplicate fetches are possible, wrong bytes are not, since every store is atomic). A shutdown's
// cut (Filler.cutSignal) ends a wait too: a fill nobody waits for must not hold the shutdown for another's.
import type { Logger } from 'pino';
import type { Exclusive, Held } from '../coord/exclusive.js';
import { isGmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { eitherSignal } from '../upstream/either-signal.js';
import type { Fill, Filled, Want } from './types.js';
import { isMutable, lockNameOf } from './types.js';

export interface LockedOptions {
  /** A waiter stops waiting after this long and fills itself (the holder may be stuck). */
  readonly maxWaitMs?: number;
  /** The cut of the fills asked for now (Filler.cutSignal): a wait for another process ends when it aborts. */
  readonly cut?: () => AbortSignal;
  /** Private module paths out of the log line of a cut wait. */
  readonly redact?: (modulePath: string) => string;
}

export class LockedFill implements Fill {
  private readonly maxWaitMs: number;
  private readonly opts: LockedOptions;

  constructor(
    private readonly inner: Fill,
    /** Coordinator leases, or the lock files of one primary's workers (coord/exclusive.ts). */
    private readonly locks: Exclusive,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
    opts: LockedOptions = {},
  ) {
    this.maxWaitMs = opts.maxWaitMs ?? 15 * 60_000;
    this.opts = opts;
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
    const cut = this.opts.cut?.();
    // Looked at again after each await below: the cut may come during any of them.
    const stopIfCut = (): void => {
      if (cut?.aborted === true) throw this.wasCut(want, cut);
    };
    // The fill path takes the cut current when a fill starts: one asked before the cut must not start after it.
    const fillNow = (): Promise<Filled> => {
      stopIfCut();
      return this.inner.fill(want);
    };
    for (;;) {
      stopIfCut();
      let held: Held | undefined;
      try {
        held = await this.locks.tryHold(name);
      } catch (err) {
        if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
        return this.degraded(err, fillNow);
      }
      if (held !== undefined) {
        const lease = held;
        if (cut?.aborted === true) {
          await lease.release();
          throw this.wasCut(want, cut);
        }
        try {
          const done = await this.inner.stored(want);
          if (done !== undefined) {
            await lease.release();
            return done;
          }
          const filled = await fillNow();
          // Others wait for the durable copy, not just for the answer.
          void filled.durable.finally(() => lease.release());
          return filled;
        } catch (err) {
          await lease.release();
          throw err;
        }
      }
      const wait = eitherSignal(AbortSignal.timeout(Math.max(1, deadline - Date.now())), cut);
      try {
        await this.locks.waitUntilFree(name, wait.signal);
      } catch (err) {
        stopIfCut();
        if (isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) return this.degraded(err, fillNow);
        if ((err as Error).name !== 'TimeoutError') throw err;
        this.log.warn({ lease: name }, 'gave up waiting for another process to fill; filling here');
        return fillNow();
      } finally {
        wait.release();
      }
      const done = await this.inner.stored(want);
      if (done !== undefined) return done;
      // The holder failed (or died and its lease lapsed): try to take over.
    }
  }

  /** A wait for another process's fill, cut at shutdown: told once, at info, as the fill path tells its own. */
  private wasCut(want: Want, cut: AbortSignal): unknown {
    const module = this.opts.redact?.(want.module) ?? want.module;
    this.log.info({ module, version: want.version, kind: want.kind }, 'fill cut by shutdown; nothing was stored');
    return cut.reason;
  }

  private degraded(err: unknown, fillNow: () => Promise<Filled>): Promise<Filled> {
    this.metrics?.coordinatorUnavailable.inc({ op: 'fill' });
    this.log.warn({ err: (err as Error).message }, 'coordinator unreachable: filling without cross-process locking (degraded)');
    return fillNow();
  }
}
