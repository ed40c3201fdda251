// The one place that names the folders and files under --data. Stores are built on these paths by the
// composition root (src/app/layout.ts); nothing else spells a folder name of the data directory.
import path from 'node:path';

export interface DataPaths {
  readonly root: string;
  /** Module artifacts in the GOPROXY layout (also servable as a file:// GOPROXY). */
  readonly cache: string;
  /** Per-instance scratch areas for fills and atomic writes. */
  readonly tmp: string;
  /** Authenticated lookups and tiles of a checksum database. */
  sumdbCache(db: string): string;
  /** The report a checksum database's security error leaves for an operator. */
  securityReport(db: string): string;
  readonly quarantine: string;
  /** The own checksum database's log pages and the markers of versions waiting to be recorded. */
  readonly ownLog: string;
  /** The own checksum database's log as earlier versions kept it (migrated at start). */
  readonly legacyOwnLog: string;
  readonly ownKeyFile: string;
  /** Values of the in-process coordinator. */
  readonly coord: string;
  /** Bare git mirrors of direct mode. */
  readonly vcs: string;
  /** What content management keeps beside the cache: pins, bundled versions, coarse access times. */
  readonly content: string;
  /** The index feed's log pages and the markers of versions waiting to be published. */
  readonly feed: string;
  /** The storage's identity, which its coordinator records (storage/storage-identity.ts). */
  readonly state: string;
}

export function dataPaths(dataDir: string): DataPaths {
  const root = path.resolve(dataDir);
  return {
    root,
    cache: path.join(root, 'cache'),
    tmp: path.join(root, 'tmp'),
    sumdbCache: (db) => path.join(root, 'sumdb', db, 'cache'),
    securityReport: (db) => path.join(root, 'sumdb', db, 'SECURITY-ERROR'),
    quarantine: path.join(root, 'quarantine'),
    ownLog: path.join(root, 'own-sumdb', 'tlog'),
    legacyOwnLog: path.join(root, 'own-sumdb', 'log'),
    ownKeyFile: path.join(root, 'own-sumdb', 'signer.key'),
    coord: path.join(root, 'coord'),
    vcs: path.join(root, 'vcs'),
    content: path.join(root, 'content'),
    feed: path.join(root, 'feed'),
    state: path.join(root, 'state'),
  };
}

/**
 * Keys of the shared state when the module cache is a bucket or a directory of its own (--storage): under a
 * first path element no module path can have (no dot), so the state never collides with a module and a
 * static GOPROXY serving the bucket never serves it as one.
 */
export const SHARED_PREFIX = '_gomodproxy/';

export const sharedKeys = {
  /** Authenticated lookups and tiles of a checksum database (its name case-encoded like a module path). */
  sumdbCache: (escapedDb: string): string => `${SHARED_PREFIX}sumdb/${escapedDb}/`,
  /** The own checksum database's log pages and markers. */
  ownLog: `${SHARED_PREFIX}own-sumdb/tlog/`,
  /** Pins, bundled versions and access times of the module cache. */
  content: `${SHARED_PREFIX}content/`,
  /** The index feed's log pages and markers. */
  feed: `${SHARED_PREFIX}feed/`,
  /** The storage's identity, which its coordinator records (storage/storage-identity.ts). */
  identity: `${SHARED_PREFIX}storage-identity`,
};

/** Under --data (no --storage), the key of the identity in the store of paths.state. */
export const DATA_IDENTITY_KEY = 'storage-identity';

/**
 * Inside the root of each filesystem store: copies staged for the final rename when the scratch area is on
 * another file system. Upper case, so it can never be a storage key.
 */
export const STORE_STAGING = '.STAGING';
