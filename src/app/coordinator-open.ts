// The coordinator of an instance from --coordinator: in-process (or the primary's, over IPC, for a worker),
// PostgreSQL or Redis, wrapped so that its availability is known. At start a backend that refuses our
// settings (password, database, permissions) stops the start with a message that says so; one that does
// not answer is an outage: the instance starts degraded and recovers by itself.
import { Availability } from '../coord/availability.js';
import { parseCoordinator } from '../config/backends.js';
import type { CoordinatorSpec } from '../config/backends.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Channel } from '../coord/ipc.js';
import { IpcCoordinator } from '../coord/ipc.js';
import { LocalCoordinator } from '../coord/local.js';
import { PROBE_KEY, ResilientCoordinator } from '../coord/resilient.js';
import { gmpError, isGmpError } from '../errors.js';

/** SQLSTATEs of settings PostgreSQL refuses: password, role or pg_hba entry, database, permission to create tables. */
const PG_REFUSALS = new Set(['28P01', '28000', '3D000', '42501']);
/** Redis's answers to a wrong password, user or ACL. */
const REDIS_REFUSAL = /\b(WRONGPASS|NOAUTH|NOPERM)\b/;

export interface CoordinatorDeps {
  /** A worker of `serve --workers N`: with `local` the coordinator is the primary's. */
  readonly channel?: Channel;
  /** Where the in-process coordinator keeps its values. */
  readonly localDir: string;
  /** Told when the backend stops or starts answering. */
  readonly onChange?: (up: boolean, reason: string | undefined) => void;
  /** Whose leases this process's are in PostgreSQL or Redis (a worker's, from its primary: app/worker-leases.ts). */
  readonly owner?: string;
}

export interface OpenedCoordinator {
  readonly coord: ResilientCoordinator;
  /** PostgreSQL or Redis: shared with other replicas. */
  readonly external: boolean;
}

export async function openCoordinator(config: Readonly<Config>, deps: CoordinatorDeps): Promise<OpenedCoordinator> {
  const spec = parseCoordinator(config.coordinator);
  const inner =
    spec.kind === 'local'
      ? deps.channel === undefined
        ? await LocalCoordinator.open(deps.localDir)
        : new IpcCoordinator(deps.channel)
      : await openExternal(spec, deps.owner);
  const availability = new Availability('coordinator', () => inner.get(PROBE_KEY), { onChange: deps.onChange });
  if (spec.kind !== 'local') {
    try {
      await inner.get(PROBE_KEY);
    } catch (err) {
      if (refused(err)) {
        await inner.close().catch(() => undefined);
        throw gmpError('GMP_ERR_CONFIG', `the coordinator refused our settings: ${(err as Error).message}`);
      }
      if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
      availability.failed(err.message);
    }
  }
  availability.start();
  return { coord: new ResilientCoordinator(inner, availability), external: spec.kind !== 'local' };
}

/**
 * The client of PostgreSQL or Redis alone (no availability watch): the primary of `serve --workers N` keeps
 * one to give back the leases of workers that exit. The clients load only when configured: each adds 15-25
 * MiB to every process.
 */
export async function openExternal(spec: CoordinatorSpec & { kind: 'postgres' | 'redis' }, owner?: string): Promise<Coordinator> {
  const options = owner === undefined ? {} : { owner };
  if (spec.kind === 'postgres') return (await import('../coord/postgres.js')).openPostgresCoordinator(spec.url, options);
  return (await import('../coord/redis.js')).openRedisCoordinator(spec.url, options);
}

function refused(err: unknown): boolean {
  if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) return false;
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return (typeof code === 'string' && PG_REFUSALS.has(code)) || REDIS_REFUSAL.test(err.message);
}
