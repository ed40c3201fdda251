// The port for "one process at a time does this" among the processes that share it: one fill per artifact,
// and an upload under the same names as the fills it must not race. Two backends: a lease of the
// coordinator (replicas on PostgreSQL or Redis, and a single process), and lock files in a folder the workers
// of one primary share (file-exclusive.ts), which spares every fill a round trip through the primary.
import { gmpError } from '../errors.js';
import type { Coordinator } from './coordinator.js';
import { nameFor } from './coordinator.js';
import { tryHold, waitUntilFree } from './lease.js';

export interface Held {
  /** Gives the name back; a second call does nothing. Never rejects (callers release behind their answer). */
  release(): Promise<void>;
}

/**
 * Contract (see exclusive-conformance.ts): at most one holder per name; tryHold never waits (undefined when
 * another holds it); waitUntilFree resolves once nobody holds the name (or throws the signal's reason); a
 * holder that dies loses the name without giving it back. An unusable backend throws
 * GMP_ERR_COORDINATOR_UNAVAILABLE, and callers go on without cross-process exclusion (degraded).
 */
export interface Exclusive {
  tryHold(name: string): Promise<Held | undefined>;
  waitUntilFree(name: string, signal?: AbortSignal): Promise<void>;
}

/** Leases of a coordinator, renewed while held: a holder that dies loses the name when its lease lapses. */
export class LeaseExclusive implements Exclusive {
  constructor(
    private readonly coord: Coordinator,
    private readonly ttlMs = 30_000,
  ) {}

  tryHold(name: string): Promise<Held | undefined> {
    return tryHold(this.coord, name, this.ttlMs);
  }

  waitUntilFree(name: string, signal?: AbortSignal): Promise<void> {
    return waitUntilFree(this.coord, name, { signal });
  }
}

/** The name a fill holds an artifact's storage key with; an upload and a bundle import hold the same names. */
export const fillLockName = (storageKey: string): string => nameFor(`fill:${storageKey}`);

/** Holds name, waiting while another holds it; rejects with the signal's reason when that fires first. */
export async function holdWhenFree(locks: Exclusive, name: string, signal: AbortSignal): Promise<Held> {
  for (;;) {
    const held = await locks.tryHold(name);
    if (held !== undefined) return held;
    await locks.waitUntilFree(name, signal);
  }
}

/** What holding throws when a name stays held by another for longer than it waits. */
export class LockWaitTimeout extends Error {
  constructor(
    /** The name it waited for. */
    readonly lock: string,
  ) {
    super(`gave up waiting for ${lock}, which another holds`);
    this.name = 'LockWaitTimeout';
  }
}

/**
 * Runs work holding every name, taken in the order given (callers that hold several names take them in one
 * order, so two of them never wait for each other), and gives them back when it ends. Names another holds
 * for longer than waitMs in all fail it with LockWaitTimeout, naming the one it was waiting for.
 */
export async function holding<T>(locks: Exclusive, names: readonly string[], waitMs: number, work: () => Promise<T>): Promise<T> {
  const held: Held[] = [];
  try {
    // One wait for all of them, not one per name: a caller waits at most waitMs.
    const signal = AbortSignal.timeout(waitMs);
    for (const name of names) {
      held.push(
        await holdWhenFree(locks, name, signal).catch((err: unknown) => {
          throw signal.aborted && err === signal.reason ? new LockWaitTimeout(name) : err;
        }),
      );
    }
    return await work();
  } finally {
    await Promise.all(held.map((h) => h.release()));
  }
}

/** How long a caller waits for names another holds, and the setting as it reads (`15m`) for the message. */
export interface LockWait {
  readonly ms: number;
  readonly shown: string;
}

/**
 * holding, giving up after wait with GMP_ERR_LOCK_WAIT (503): `gave up after 2m waiting for <what> (lock <name>); <then>`,
 * where then says what was kept and what to do.
 */
export function holdingOrGiveUp<T>(locks: Exclusive, names: readonly string[], wait: LockWait, what: string, then: string, work: () => Promise<T>): Promise<T> {
  return holding(locks, names, wait.ms, work).catch((err: unknown) => {
    if (!(err instanceof LockWaitTimeout)) throw err;
    throw gmpError('GMP_ERR_LOCK_WAIT', `gave up after ${wait.shown} waiting for ${what} (lock ${err.lock}); ${then}`);
  });
}
