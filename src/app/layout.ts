// The stores and local folders of a running instance, built on the data-directory paths
// (src/storage/data-dirs.ts): the module cache, checksum-database caches and quarantine as blob stores,
// the per-instance scratch area, and the folders that stay local (git mirrors, coordinator values).
import type { Config } from '../config/schema.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { DataPaths } from '../storage/data-dirs.js';
import { dataPaths } from '../storage/data-dirs.js';
import { FsStore } from '../storage/fs-store.js';
import { Scratch } from '../storage/scratch.js';

export interface Layout {
  readonly paths: DataPaths;
  readonly scratch: Scratch;
  /** Files dead instances left in their scratch areas, removed at start. */
  readonly removedTempFiles: number;
  /** Module artifacts in the GOPROXY layout. */
  readonly cache: BlobStore;
  sumdbCache(db: string): BlobStore;
  readonly quarantine: BlobStore;
  /** The own checksum database's log pages and markers. */
  readonly ownLog: BlobStore;
  /** The index feed's log pages and markers. */
  readonly feed: BlobStore;
  close(): Promise<void>;
}

export async function openLayout(config: Readonly<Config>): Promise<Layout> {
  const paths = dataPaths(config.data);
  const { scratch, removed } = await Scratch.open(paths.tmp);
  const stores: BlobStore[] = [];
  const fsStore = (dir: string): BlobStore => {
    const s = new FsStore(dir, scratch);
    stores.push(s);
    return s;
  };
  const sumdb = new Map<string, BlobStore>();
  return {
    paths,
    scratch,
    removedTempFiles: removed,
    cache: fsStore(paths.cache),
    sumdbCache: (db) => {
      let s = sumdb.get(db);
      if (s === undefined) sumdb.set(db, (s = fsStore(paths.sumdbCache(db))));
      return s;
    },
    quarantine: fsStore(paths.quarantine),
    ownLog: fsStore(paths.ownLog),
    feed: fsStore(paths.feed),
    close: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await scratch.close();
    },
  };
}
