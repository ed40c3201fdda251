// The shared backends of an instance: the coordinator (watched) and the storage's availability, their
// start-up state, and what /readyz reports about them.
import type { Logger } from 'pino';
import { Availability } from '../coord/availability.js';
import type { Config } from '../config/schema.js';
import { LeaseExclusive } from '../coord/exclusive.js';
import type { Exclusive } from '../coord/exclusive.js';
import { FileExclusive } from '../coord/file-exclusive.js';
import type { Channel } from '../coord/ipc.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { ResilientCoordinator } from '../coord/resilient.js';
import type { Metrics } from '../metrics.js';
import type { Readiness } from '../server/ops-routes.js';
import { openCoordinator } from './coordinator-open.js';
import { readiness, watchBackend } from './health.js';
import type { Layout } from './layout.js';
import { openLayout } from './layout.js';
import { checkIdentityAtStart } from './storage-identity.js';

export interface Backends {
  readonly coord: ResilientCoordinator;
  /** The coordinator is PostgreSQL or Redis, shared with other replicas. */
  readonly external: boolean;
  /** What a fill (and an upload) holds its artifact's key with. */
  readonly locks: Exclusive;
  /** The storage's availability, for stores that can be unreachable (S3). */
  readonly storage?: Availability;
  readonly readiness: () => Readiness;
}

export interface BackendDeps {
  readonly channel?: Channel;
  /** A worker's folder of fill locks, from its primary (app/primary.ts). */
  readonly fillLocks?: string;
  /** A worker's owner id of its leases in PostgreSQL or Redis, from its primary (app/worker-leases.ts). */
  readonly owner?: string;
  readonly log: Logger;
  readonly metrics: Metrics;
}

export async function openBackends(config: Readonly<Config>, layout: Layout, deps: BackendDeps): Promise<Backends> {
  const { log, metrics } = deps;
  const { coord, external } = await openCoordinator(config, {
    channel: deps.channel,
    owner: deps.owner,
    localDir: layout.paths.coord,
    onChange: watchBackend('coordinator', log, metrics),
  });
  if (layout.storage.shared && !external)
    log.warn(
      { storage: layout.storage.name },
      'the storage may be shared but the coordinator is local: run only this one instance on it, or give every replica the same --coordinator (PostgreSQL or Redis)',
    );
  const ping = layout.storage.ping;
  let storage: Availability | undefined;
  if (ping !== undefined) {
    const told = watchBackend('storage', log, metrics);
    const guard = layout.storage.guard;
    // Found down (by the probe or a call): reads still waiting for the store fail now rather than after the client's timeouts.
    const onChange = (up: boolean, reason: string | undefined) => {
      told(up, reason);
      if (!up) guard?.unreachable(reason);
    };
    storage = new Availability('storage', ping, { onChange });
    if (layout.storage.unreachableAtStart !== undefined) storage.failed(layout.storage.unreachableAtStart);
    layout.storage.guard?.watch(storage);
    storage.start();
  }
  // The workers of one primary share a folder on this host: a lock file there spares each fill the round
  // trip of a lease through the primary. Replicas (and a single process) hold coordinator leases.
  const locks = deps.fillLocks !== undefined && !external ? new FileExclusive(deps.fillLocks) : new LeaseExclusive(coord);
  return { coord, external, locks, storage, readiness: readiness({ storage, coordinator: coord.availability }) };
}

/**
 * What a primary checks before it forks workers: settings the storage or the coordinator refuse, and a
 * storage that is not the coordinator's, stop the start once, with one message, instead of a crash loop of
 * workers. Outages are left to the workers. `local`: the primary's own coordinator, when it is `local`.
 */
export async function checkBackends(config: Readonly<Config>, log: Logger, local: Coordinator | undefined): Promise<void> {
  // The durable-write thread starts only if a first start writes the identity: the primary writes nothing else.
  const layout = await openLayout(config, { writerThread: false });
  try {
    if (local !== undefined) return await checkIdentityAtStart(config, layout, local, log);
    const { coord } = await openCoordinator(config, { localDir: '' });
    try {
      await checkIdentityAtStart(config, layout, coord, log, coord.availability.up ? undefined : coord.availability.reason);
    } finally {
      await coord.close();
    }
  } finally {
    await layout.close();
  }
}
