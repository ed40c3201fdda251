// The coordinator as every component sees it: each call's outcome tells whether the backend answers (for
// /readyz, the metric and the log), and a probe notices by itself when it answers again. Calls still go to
// the backend while it is down: callers degrade on GMP_ERR_COORDINATOR_UNAVAILABLE (LockedFill fills with
// local singleflight, checksum verification keeps its trusted head in memory), never on a guess.
import type { Availability } from './availability.js';
import { isGmpError } from '../errors.js';
import type { Coordinator, Lease } from './coordinator.js';

/** A value no component uses: reading it is the probe. */
export const PROBE_KEY = 'gomodproxy/probe';

export class ResilientCoordinator implements Coordinator {
  readonly name: string;

  constructor(
    private readonly inner: Coordinator,
    /** Told every outcome; its probe should read PROBE_KEY through inner. */
    readonly availability: Availability,
  ) {
    this.name = inner.name;
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    try {
      const out = await op();
      this.availability.ok();
      return out;
    } catch (err) {
      if (isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) this.availability.failed(err.message);
      throw err;
    }
  }

  acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    return this.call(() => this.inner.acquire(name, ttlMs));
  }

  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    return this.call(() => this.inner.renew(lease, ttlMs));
  }

  release(lease: Lease): Promise<void> {
    return this.call(() => this.inner.release(lease));
  }

  holder(name: string): Promise<Lease | undefined> {
    return this.call(() => this.inner.holder(name));
  }

  releaseOwner(owner: string): Promise<number> {
    return this.call(() => this.inner.releaseOwner(owner));
  }

  get(key: string): Promise<string | undefined> {
    return this.call(() => this.inner.get(key));
  }

  cas(key: string, expected: string | undefined, next: string): Promise<boolean> {
    return this.call(() => this.inner.cas(key, expected, next));
  }

  casDelete(key: string, expected: string): Promise<boolean> {
    return this.call(() => this.inner.casDelete(key, expected));
  }

  async close(): Promise<void> {
    this.availability.stop();
    await this.inner.close();
  }
}
