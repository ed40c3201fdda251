// The in-process coordinator behind a switch: while off, every call fails with GMP_ERR_COORDINATOR_UNAVAILABLE,
// exactly as the PostgreSQL and Redis backends do when their server is gone (tests of those outages with the
// real servers are in test/replicas-*.test.ts and src/coord/*-outage.test.ts).
import type { Coordinator, Lease } from '../../src/coord/coordinator.js';
import { LocalCoordinator } from '../../src/coord/local.js';
import { gmpError } from '../../src/errors.js';

export interface SwitchableCoordinator extends Coordinator {
  down: boolean;
  /** The coordinator underneath, reachable whatever the switch says (to look at values). */
  readonly inner: Coordinator;
}

export function switchableCoordinator(inner: Coordinator = new LocalCoordinator()): SwitchableCoordinator {
  const c = {
    down: false,
    inner,
    name: 'switchable',
    acquire: (n: string, t: number) => guard(() => inner.acquire(n, t)),
    renew: (l: Lease, t: number) => guard(() => inner.renew(l, t)),
    release: (l: Lease) => guard(() => inner.release(l)),
    holder: (n: string) => guard(() => inner.holder(n)),
    releaseOwner: (o: string) => guard(() => inner.releaseOwner(o)),
    get: (k: string) => guard(() => inner.get(k)),
    cas: (k: string, e: string | undefined, n: string) => guard(() => inner.cas(k, e, n)),
    casDelete: (k: string, e: string) => guard(() => inner.casDelete(k, e)),
    close: () => inner.close(),
  };
  async function guard<T>(call: () => Promise<T>): Promise<T> {
    if (c.down) throw gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', 'switchable: connection refused');
    return call();
  }
  return c;
}
