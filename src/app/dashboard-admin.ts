// The Admin view's features, built from what the server already opened: tokens in the coordinator's values
// (the TokenStore of `gomodproxy token`, over the coordinator serve opened: local, a worker's IPC to its
// primary, PostgreSQL or Redis), pins in the content store (the keys of `gomodproxy pin`), and the audit log.
import type { AuditLog } from '../audit/audit-log.js';
import type { TokenRecord } from '../auth/token.js';
import { TokenInputError, TokenStore, tokenStatus } from '../auth/token-store.js';
import type { Config } from '../config/schema.js';
import { parseLifetime } from '../config/units.js';
import { parseVersionName, PINS, pinKey } from '../content/content-keys.js';
import type { ModuleVersion } from '../content/content-keys.js';
import { ModuleFileError, readModuleFile } from '../content/module-files.js';
import type { Coordinator } from '../coord/coordinator.js';
import { AdminInputError } from '../dashboard/admin-features.js';
import type { Actor, AdminFeatures, PinAdmin, PinInfo, TokenAdmin, TokenInfo } from '../dashboard/admin-features.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';

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

const byModuleVersion = (a: PinInfo, b: PinInfo) => (a.module === b.module ? (a.version < b.version ? -1 : 1) : a.module < b.module ? -1 : 1);

/** The versions of the --pin-from files as they are now (the evictor read them when the server started); a file gone since is skipped. */
async function configPins(files: readonly string[]): Promise<ModuleVersion[]> {
  const out: ModuleVersion[] = [];
  for (const file of files) {
    try {
      out.push(...(await readModuleFile(file)).versions);
    } catch (err) {
      if (!(err instanceof ModuleFileError)) throw err;
    }
  }
  return out;
}

export function pinAdmin(content: BlobStore, config: Readonly<Config>): PinAdmin {
  const e = config.eviction;
  return {
    list: async () => {
      const pins = new Map<string, PinInfo>();
      const add = (v: ModuleVersion | undefined, from: PinInfo['from']) => {
        if (v !== undefined && !pins.has(`${v.path}@${v.version}`)) pins.set(`${v.path}@${v.version}`, { module: v.path, version: v.version, from });
      };
      for await (const key of listAll(content, PINS)) add(parseVersionName(key.slice(PINS.length)), 'pin');
      for (const v of await configPins(e.pinFrom)) add(v, 'config');
      return { pins: [...pins.values()].sort(byModuleVersion), eviction: e.maxSize > 0 };
    },
    pin: (path, version) => content.put(pinKey(path, version), ''),
    unpin: async (path, version) => {
      const key = pinKey(path, version);
      if ((await content.stat(key)) === undefined) return false;
      await content.delete(key);
      return true;
    },
  };
}

export function adminFeatures(config: Readonly<Config>, inputs: AdminInputs): AdminFeatures {
  return { tokens: tokenAdmin(inputs.coord, inputs.audit), pins: pinAdmin(inputs.content, config) };
}
