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
  close(): Promise<void>;
}

export async function openLayout(config: Readonly<Config>): Promise<Layout> {
  const paths = dataPaths(config.data);
  const { scratch, removed } = await Scratch.open(paths.tmp);
  const stores: FsStore[] = [];
  const fsStore = (dir: string): FsStore => {
    const s = new FsStore(dir, scratch);
    stores.push(s);
    return s;
  };
  const sumdb = new Map<string, BlobStore>();
  const cache = fsStore(paths.cache);
  const quarantine = fsStore(paths.quarantine);
  const ownLog = fsStore(paths.ownLog);
  // What a crash left mid-write in the stores' staging folders (scratch areas were cleaned above).
  const swept = (await Promise.all(stores.map((s) => s.sweep()))).reduce((a, b) => a + b, 0);
  return {
    paths,
    scratch,
    removedTempFiles: removed + swept,
    cache,
    sumdbCache: (db) => {
      let s = sumdb.get(db);
      if (s === undefined) {
        const store = fsStore(paths.sumdbCache(db));
        void store.sweep();
        sumdb.set(db, (s = store));
      }
      return s;
    },
    quarantine,
    ownLog,
    close: async () => {
      await Promise.all(stores.map((s) => s.close()));
      await scratch.close();
    },
  };
}
