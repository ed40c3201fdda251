// The Admin view's features, built from what the server already opened: tokens in the coordinator's values
// (the TokenStore of `gomodproxy token`, over the coordinator serve opened: local, a worker's IPC to its
// primary, PostgreSQL or Redis), pins in the content store (the keys of `gomodproxy pin`), the audit log, and what
// a purge holds (the fill locks of the version) and removes beside the files (an imported version's mark).
import type { AuditLog } from '../audit/audit-log.js';
import type { TokenRecord } from '../auth/token.js';
import { TokenInputError, TokenStore, tokenStatus } from '../auth/token-store.js';
import type { Config } from '../config/schema.js';
import { parseStorage } from '../config/backends.js';
import { parseLifetime } from '../config/units.js';
import { versionLocks } from '../content/bundled-marks.js';
import { bundledKey } from '../content/content-keys.js';
import { minFreeSet } from '../content/free-space.js';
import { PinStore } from '../content/pins.js';
import type { Coordinator } from '../coord/coordinator.js';
import { holdingOrGiveUp } from '../coord/exclusive.js';
import type { Exclusive } from '../coord/exclusive.js';
import { AdminInputError } from '../dashboard/admin-features.js';
import type { Actor, AdminFeatures, PinAdmin, TokenAdmin, TokenInfo } from '../dashboard/admin-features.js';
import type { PurgeGuard } from '../dashboard/purge.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface AdminInputs {
  readonly coord: Coordinator;
  readonly content: BlobStore;
  readonly audit: AuditLog;
}

/** What may be shown of a record: everything but its hash. */
function info(r: TokenRecord, now = new Date()): TokenInfo {
  const { id, name, scopes, created, expires, revoked } = r;
  return {
    id,
    name,
    scopes,
    created,
    ...(expires === undefined ? {} : { expires }),
    ...(revoked === undefined ? {} : { revoked }),
    status: tokenStatus(r, now),
  };
}

const by = (a: Actor) => ({ client: a.client, ...(a.token === undefined ? { via: 'this machine' } : { by: a.token, byId: a.tokenId }) });

export function tokenAdmin(coord: Coordinator, audit: AuditLog): TokenAdmin {
  const store = new TokenStore(coord);
  return {
    list: async () => (await store.list()).map((r) => info(r)),
    create: async (t, actor) => {
      const expiresInMs = t.expires === undefined || t.expires === '' ? undefined : parseLifetime(t.expires);
      if (expiresInMs === undefined && t.expires !== undefined && t.expires !== '')
        throw new AdminInputError(`expires ${JSON.stringify(t.expires)}: use e.g. 90d, 12h or 30m`);
      try {
        const { record, token } = await store.create({ name: t.name, scopes: t.scopes, expiresInMs });
        audit.record({ event: 'token.created', token: record.name, tokenId: record.id, scopes: record.scopes, expires: record.expires, ...by(actor) });
        return { token: info(record), secret: token };
      } catch (err) {
        throw err instanceof TokenInputError ? new AdminInputError(err.message) : err;
      }
    },
    revoke: async (nameOrId, actor) => {
      const r = await store.revoke(nameOrId);
      if (r !== undefined) audit.record({ event: 'token.revoked', token: r.name, tokenId: r.id, ...by(actor) });
      return r === undefined ? undefined : info(r);
    },
  };
}

/** Whether anything may be evicted: a cap, or a minimum of free space on a filesystem cache (app/content.ts). */
function evicts(config: Readonly<Config>): boolean {
  const e = config.eviction;
  return e.maxSize > 0 || (minFreeSet(e.minFree) && parseStorage(config.storage).kind !== 's3');
}

export function pinAdmin(content: BlobStore, config: Readonly<Config>): PinAdmin {
  const store = new PinStore(content, config.eviction.pinFrom);
  return {
    list: async () => ({ pins: await store.list(), eviction: evicts(config) }),
    pin: (path, version) => store.pin(path, version),
    unpin: (path, version) => store.unpin(path, version),
    pinnedBy: (path, version) => store.listedBy(path, version),
  };
}

/** How long a purge waits for a fill, upload or import of the version to finish: an admin's request, not a job. */
const PURGE_LOCK_WAIT = { ms: 2 * 60_000, shown: '2m' };

/**
 * A purge holds the locks a bundle import holds while it commits a version (the fill locks of its .mod, .zip and
 * .info), so it never removes files or a mark from under a fill or an import of that version.
 */
export function purgeGuard(locks: Exclusive, content: BlobStore): PurgeGuard {
  return {
    holding: (path, version, work) =>
      holdingOrGiveUp(
        locks,
        versionLocks(path, version),
        PURGE_LOCK_WAIT,
        `a fill, upload or import of ${path}@${version}`,
        'nothing was purged: purge it again once it is free',
        work,
      ),
    unmark: async (path, version) => {
      const key = bundledKey(path, version);
      if ((await content.stat(key)) === undefined) return false;
      await content.delete(key);
      return true;
    },
  };
}

export function adminFeatures(config: Readonly<Config>, inputs: AdminInputs): AdminFeatures {
  return { tokens: tokenAdmin(inputs.coord, inputs.audit), pins: pinAdmin(inputs.content, config) };
}
