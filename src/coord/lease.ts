// Holding a lease for as long as work runs: renewed in the background (heartbeat) at a third of its TTL;
// when renewal fails past expiry the holder is told through an AbortSignal and must stop writing.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Coordinator, Lease } from './coordinator.js';

export interface HeldLease {
  readonly lease: Lease;
  /** Aborted when the lease is lost (not renewed in time, or taken over after expiry). */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export async function tryHold(coord: Coordinator, name: string, ttlMs: number): Promise<HeldLease | undefined> {
  const first = await coord.acquire(name, ttlMs);
  if (first === undefined) return undefined;
  let lease = first;
  const ac = new AbortController();
  let stopped = false;
  const beat = async (): Promise<void> => {
    while (!stopped) {
      await sleep(Math.max(10, ttlMs / 3), undefined, { ref: false });
      if (stopped) return;
      try {
        const next = await coord.renew(lease, ttlMs);
        if (next === undefined) return ac.abort(new Error(`lease ${name} was lost`));
        lease = next;
      } catch {
        // The coordinator is unreachable: the lease still holds until it expires; past that, stop.
        if (Date.now() >= lease.expiresAt) return ac.abort(new Error(`lease ${name} expired while the coordinator was unreachable`));
      }
    }
  };
  void beat();
  return {
    get lease() {
      return lease;
    },
    lost: ac.signal,
    release: async () => {
      if (stopped) return;
      stopped = true;
      await coord.release(lease).catch(() => undefined);
    },
  };
}

export interface WaitOptions {
  /** First poll interval; it doubles up to maxPollMs. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  readonly signal?: AbortSignal;
}

/** Resolves once nobody holds the lease (released, or expired with its holder). */
export function waitUntilFree(coord: Coordinator, name: string, opts: WaitOptions = {}): Promise<void> {
  return pollWhile(async () => (await coord.holder(name)) !== undefined, opts);
}

/**
 * Polls `busy` until it says false, at an interval that doubles from pollMs (20 ms) up to maxPollMs (500 ms).
 * Stopped by the signal with its reason (a TimeoutError for AbortSignal.timeout).
 */
export async function pollWhile(busy: () => Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  let delay = opts.pollMs ?? 20;
  const max = opts.maxPollMs ?? 500;
  while (await busy()) {
    opts.signal?.throwIfAborted();
    try {
      await sleep(delay, undefined, { signal: opts.signal });
    } catch (err) {
      // An abort during the sleep rejects with a generic AbortError: callers tell a timeout by the signal's reason.
      opts.signal?.throwIfAborted();
      throw err;
    }
    delay = Math.min(max, delay * 2);
  }
}
