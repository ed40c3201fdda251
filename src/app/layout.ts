// The stores and local folders of a running instance, built on the data-directory paths
// (src/storage/data-dirs.ts) and --storage: the module cache and the shared state (checksum-database caches,
// the own checksum log) as blob stores, and what stays on this machine: the scratch area, git mirrors,
// quarantine (it may hold private modules' bytes, which a CDN fronting the bucket must never serve) and
// the in-process coordinator's values.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { parseStorage } from '../config/backends.js';
import { escapePath } from '../protocol/escape.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { DataPaths } from '../storage/data-dirs.js';
import { DATA_IDENTITY_KEY, dataPaths, sharedKeys } from '../storage/data-dirs.js';
import { durableWriter } from '../storage/durable-writer.js';
import { FsStore } from '../storage/fs-store.js';
import { GuardedStore } from '../storage/guarded-store.js';
import { PrefixedStore } from '../storage/prefixed-store.js';
import { Scratch } from '../storage/scratch.js';
import { openS3 } from './s3-open.js';
import { settingError } from './setting-error.js';

export interface SharedStorage {
  /** Where the module cache lives (never with credentials). */
  readonly name: string;
  /** Whether other instances may share it (--storage given): then they must share a coordinator too. */
  readonly shared: boolean;
  /** A cheap round trip, for stores that can be unreachable (S3). */
  ping?(signal?: AbortSignal): Promise<void>;
  /** Why the store did not answer at start, when it did not. */
  readonly unreachableAtStart?: string;
  /** The cache's guard (stores that can be unreachable): told the store's availability, it fails calls fast while it is down. */
  readonly guard?: GuardedStore;
}

export interface Layout {
  readonly paths: DataPaths;
  readonly scratch: Scratch;
  /** Files dead instances left in their scratch areas, removed at start. */
  readonly removedTempFiles: number;
  readonly storage: SharedStorage;
  /** Module artifacts in the GOPROXY layout. */
  readonly cache: BlobStore;
  sumdbCache(db: string): BlobStore;
  readonly quarantine: BlobStore;
  /** The own checksum database's log pages and markers. */
  readonly ownLog: BlobStore;
  /** Pins, bundled versions and access times of the module cache (src/content). */
  readonly content: BlobStore;
  /** The index feed's log pages and markers. */
  readonly feed: BlobStore;
  /** Where the storage keeps its identity (app/storage-identity.ts). */
  readonly identity: { readonly store: BlobStore; readonly key: string };
  close(): Promise<void>;
}

export interface LayoutOptions {
  /** Start the thread of durable writes now (a server, whose first fill should not wait for it); default true. */
  readonly writerThread?: boolean;
}

export async function openLayout(config: Readonly<Config>, options: LayoutOptions = {}): Promise<Layout> {
  const spec = parseStorage(config.storage);
  if (spec.kind === 'fs') await assertDirectory(spec.dir);
  const paths = dataPaths(config.data);
  const { scratch, removed } = await Scratch.open(paths.tmp);
  const stores: BlobStore[] = [];
  const owned = <T extends BlobStore>(s: T): T => {
    stores.push(s);
    return s;
  };
  // Every layout has filesystem stores (the quarantine at least): the thread that makes their writes durable
  // starts now, once, not during the first fill.
  if (options.writerThread !== false) durableWriter().start();
  const fsStores: FsStore[] = [];
  const fsStore = (dir: string): FsStore => {
    const s = owned(new FsStore(dir, scratch));
    fsStores.push(s);
    return s;
  };
  let storage: SharedStorage;
  let cache: BlobStore;
  if (spec.kind === 's3') {
    const { store, unreachable } = await openS3(spec.url, config.s3.forcePathStyle);
    const guarded = owned(new GuardedStore(store));
    cache = guarded;
    storage = { name: store.name, shared: true, ping: (signal) => store.ping(signal), unreachableAtStart: unreachable, guard: guarded };
  } else {
    cache = fsStore(spec.kind === 'fs' ? spec.dir : paths.cache);
    storage = { name: cache.name, shared: spec.kind === 'fs' };
  }
  // Today's layout under --data unless --storage names a place: then the shared state goes along with the cache.
  const under = (prefix: string): BlobStore => new PrefixedStore(cache, prefix);
  const sumdb = new Map<string, BlobStore>();
  const quarantine = fsStore(paths.quarantine);
  const ownLog = spec.kind === 'data' ? fsStore(paths.ownLog) : under(sharedKeys.ownLog);
  // What a crash left mid-write in the filesystem stores' staging folders (scratch areas were cleaned above).
  const swept = (await Promise.all(fsStores.map((s) => s.sweep()))).reduce((a, b) => a + b, 0);
  return {
    paths,
    scratch,
    removedTempFiles: removed + swept,
    storage,
    cache,
    sumdbCache: (db) => {
      let s = sumdb.get(db);
      if (s === undefined) {
        if (spec.kind === 'data') {
          const store = fsStore(paths.sumdbCache(db));
          void store.sweep();
          s = store;
        } else s = under(sharedKeys.sumdbCache(escapePath(db)));
        sumdb.set(db, s);
      }
      return s;
    },
    quarantine,
    ownLog,
    content: spec.kind === 'data' ? fsStore(paths.content) : under(sharedKeys.content),
    feed: spec.kind === 'data' ? fsStore(paths.feed) : under(sharedKeys.feed),
    identity: spec.kind === 'data' ? { store: fsStore(paths.state), key: DATA_IDENTITY_KEY } : { store: cache, key: sharedKeys.identity },
    close: async () => {
      // Writes behind answers (access times, verdicts) may still be under way: no new scratch file from now
      // on, the filesystem stores wait for theirs, and only then does the area go (else ENOTEMPTY, or a
      // write whose scratch file was removed under it).
      scratch.seal();
      await Promise.all(stores.map((s) => s.close()));
      await scratch.close();
    },
  };
}

/**
 * `--storage fs:DIR` names a folder (made when missing): a file there, or on its path, would otherwise fail
 * later as a write of the storage's identity, or as a coordinator that finds the storage new.
 */
async function assertDirectory(dir: string): Promise<void> {
  const kind = await statKind(dir);
  if (kind === 'file') throw settingError('storage', `${dir} is not a directory`);
  if (kind !== 'ENOTDIR') return;
  let file = path.dirname(dir);
  while ((await statKind(file)) !== 'file' && path.dirname(file) !== file) file = path.dirname(file);
  throw settingError('storage', `${dir} is not a directory: ${file} on its path is a file (ENOTDIR)`);
}

/** What is at PATH, as far as a folder goes: a folder, something else, nothing, or a file on its way. */
async function statKind(p: string): Promise<'dir' | 'file' | 'ENOTDIR' | 'other'> {
  try {
    return (await stat(p)).isDirectory() ? 'dir' : 'file';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'ENOTDIR' : 'other';
  }
}
