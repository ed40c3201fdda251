// The shared backends of an instance: the coordinator (watched) and the storage's availability, their
// start-up state, and what /readyz reports about them.
import type { Logger } from 'pino';
import { Availability } from '../coord/availability.js';
import { parseCoordinator, parseStorage } from '../config/backends.js';
import type { Config } from '../config/schema.js';
import { LeaseExclusive } from '../coord/exclusive.js';
import type { Exclusive } from '../coord/exclusive.js';
import { FileExclusive } from '../coord/file-exclusive.js';
import type { Channel } from '../coord/ipc.js';
import type { ResilientCoordinator } from '../coord/resilient.js';
import type { Metrics } from '../metrics.js';
import type { Readiness } from '../server/ops-routes.js';
import { openCoordinator } from './coordinator-open.js';
import { readiness, watchBackend } from './health.js';
import type { Layout } from './layout.js';
import { openS3 } from './s3-open.js';

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
  readonly log: Logger;
  readonly metrics: Metrics;
}

export async function openBackends(config: Readonly<Config>, layout: Layout, deps: BackendDeps): Promise<Backends> {
  const { log, metrics } = deps;
  const { coord, external } = await openCoordinator(config, {
    channel: deps.channel,
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
 * What a primary checks before it forks workers: settings the storage or the coordinator refuse stop the
 * start once, with one message, instead of a crash loop of workers. Outages are left to the workers.
 */
export async function checkBackends(config: Readonly<Config>): Promise<void> {
  const spec = parseStorage(config.storage);
  if (spec.kind === 's3') await (await openS3(spec.url, config.s3.forcePathStyle)).store.close();
  if (parseCoordinator(config.coordinator).kind === 'local') return;
  const { coord } = await openCoordinator(config, { localDir: '' });
  await coord.close();
}
