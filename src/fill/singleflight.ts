// One fill per artifact at a time within a process: concurrent callers share the first caller's fill.
import type { Metrics } from '../metrics.js';
import type { Fill, Filled, Want } from './types.js';
import { keyOf } from './types.js';

export class SingleflightFill implements Fill {
  private readonly inflight = new Map<string, Promise<Filled>>();

  constructor(
    private readonly inner: Fill,
    private readonly metrics?: Metrics,
  ) {}

  fill(want: Want): Promise<Filled> {
    const key = keyOf(want);
    const running = this.inflight.get(key);
    if (running !== undefined) return running;
    this.metrics?.fillsInFlight.inc();
    const p = this.inner.fill(want).finally(() => {
      this.inflight.delete(key);
      this.metrics?.fillsInFlight.dec();
    });
    this.inflight.set(key, p);
    return p;
  }

  stored(want: Want): Promise<Filled | undefined> {
    return this.inner.stored(want);
  }

  /** Fills running now (for tests and shutdown). */
  get size(): number {
    return this.inflight.size;
  }
}
