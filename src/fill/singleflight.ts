// One fill per artifact at a time within a process: concurrent callers share the first caller's fill. Looking
// in storage is shared the same way: a herd of requests for one artifact makes one storage lookup per process,
// not one each (a hundred concurrent lookups of one key time out on a busy object store).
import type { Metrics } from '../metrics.js';
import type { Fill, Filled, Want } from './types.js';
import { keyOf } from './types.js';

export class SingleflightFill implements Fill {
  private readonly inflight = new Map<string, Promise<Filled>>();
  private readonly looking = new Map<string, Promise<Filled | undefined>>();

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
    // A lookup with a freshness bound is shared only with lookups of the same bound.
    const key = want.freshAfter === undefined ? keyOf(want) : `${keyOf(want)}\0${want.freshAfter}`;
    const running = this.looking.get(key);
    if (running !== undefined) return running;
    const p = this.inner.stored(want).finally(() => this.looking.delete(key));
    this.looking.set(key, p);
    return p;
  }

  /** Fills running now (for tests and shutdown). */
  get size(): number {
    return this.inflight.size;
  }
}
