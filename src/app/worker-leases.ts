// The leases of `serve --workers N` workers in PostgreSQL or Redis: each worker's carry an owner id its primary
// made for that start of it, so the moment the worker exits (killed, crashed, stuck and killed by the watchdog)
// the primary drops them, and a fill the dead worker held is taken over at once instead of after its lease
// lapsed (30 s). Only the exit of the process frees them: a worker that is merely slow keeps its leases. With
// the local coordinator the primary serves the leases itself and drops them the same way (coord/ipc.ts).
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { CoordinatorSpec } from '../config/backends.js';
import type { Coordinator } from '../coord/coordinator.js';
import { openExternal } from './coordinator-open.js';

/** The environment variable that gives a worker its owner id (the primary's part of it). */
export const COORD_OWNER_ENV = 'GMP_COORD_OWNER';

/**
 * A worker's owner id: the part its primary gave it (unique for this start of this worker) and its pid, which
 * both sides know once it runs and which tells people reading the lease table which process holds a lease.
 */
export function workerOwner(given: string, pid: number): string {
  return `${given}:${pid}`;
}

/** The longest lease a process takes (fills, eviction): past it, nothing of a dead worker's is left to drop. */
const LONGEST_LEASE_MS = 30_000;
const RETRY_MS = 2000;

export class WorkerLeases {
  private readonly pending = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly coord: Coordinator,
    private readonly log: Logger,
  ) {}

  static async open(spec: CoordinatorSpec & { kind: 'postgres' | 'redis' }, log: Logger): Promise<WorkerLeases> {
    return new WorkerLeases(await openExternal(spec), log);
  }

  /** The primary's part of the owner id of a worker about to start: new for every start, restarts included. */
  newOwner(): string {
    return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  }

  /**
   * Drops the leases of a worker that exited. A coordinator that does not answer is asked again until the
   * longest lease would have lapsed anyway.
   */
  workerExited(owner: string, workerId: string): void {
    const run = this.release(owner, workerId);
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }

  private async release(owner: string, workerId: string): Promise<void> {
    const until = Date.now() + LONGEST_LEASE_MS;
    for (;;) {
      try {
        const released = await this.coord.releaseOwner(owner);
        if (released > 0) this.log.warn({ worker: workerId, released }, 'gave back the coordinator leases of an exited worker');
        return;
      } catch (err) {
        if (this.closed || Date.now() + RETRY_MS >= until) {
          this.log.warn({ worker: workerId, err: (err as Error).message }, 'could not give back the leases of an exited worker: they lapse by themselves');
          return;
        }
        await sleep(RETRY_MS);
      }
    }
  }

  /** After the workers stopped: the releases under way end first. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.pending);
    await this.coord.close();
  }
}
