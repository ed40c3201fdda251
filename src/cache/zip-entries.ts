// What the cache remembers about stored zips: size and hash (so a hit needs no stat or hash read), the
// bytes of small ones, and how to open the blob. Bounded by bytes like the metadata LRU.
import type { Readable } from 'node:stream';
import { gmpError } from '../errors.js';
import type { BlobStore, ByteRange } from '../storage/blob-store.js';
import type { SharedFd } from '../storage/fd-cache.js';
import { ByteLRU } from './lru.js';

export interface ZipHandle {
  readonly size: number;
  readonly etag: string;
  readonly h1: string;
  /** The whole zip, when it is small enough to be kept in memory. */
  readonly body?: Buffer;
  open(range?: ByteRange): Promise<Readable>;
  /** A shared descriptor for positional reads (release it when done), when the store has local files. */
  openFile?(): Promise<SharedFd>;
}

/** Zips up to this size are kept in memory once read: most module zips are this small. */
export const SMALL_ZIP_BYTES = 128 * 1024;

type Entry = ZipHandle & { readonly bytes: number };

/** Fills a zip again; resolves to its size. */
export type Refill = () => Promise<number>;

export class ZipEntries {
  private readonly lru: ByteLRU<Entry>;

  constructor(
    private readonly store: BlobStore,
    maxBytes: number,
  ) {
    this.lru = new ByteLRU(maxBytes);
  }

  get(key: string): ZipHandle | undefined {
    return this.lru.get(key);
  }

  /** A zip found in storage: remembered with its bytes when small. refill fills it again if it is evicted. */
  async stored(key: string, size: number, h1: string, refill?: Refill): Promise<ZipHandle> {
    const handle = this.handle(key, size, h1, refill);
    const body = size <= SMALL_ZIP_BYTES ? await this.store.read(key) : undefined;
    const entry = { ...handle, body: body?.length === size ? body : undefined, bytes: 256 + (body?.length ?? 0) };
    this.lru.set(key, entry);
    return entry;
  }

  /** A zip just filled: remembered at once (so no second fill starts), its bytes read in the background. */
  filled(key: string, size: number, h1: string, refill?: Refill): ZipHandle {
    const entry = { ...this.handle(key, size, h1, refill), bytes: 256 };
    this.lru.set(key, entry);
    if (size <= SMALL_ZIP_BYTES) {
      void this.store.read(key).then(
        (body) => {
          if (body?.length === size && this.lru.get(key) === entry) this.lru.set(key, { ...entry, body, bytes: 256 + size });
        },
        () => undefined,
      );
    }
    return entry;
  }

  private handle(key: string, size: number, h1: string, refill?: Refill): ZipHandle {
    // Removed behind our back (eviction, an operator pruning the cache): forget it and fill it again (the
    // fill checks it against the h1 kept when it was first stored); if that gives other bytes, the caller
    // that already promised this size must retry.
    const gone = (): never => {
      this.lru.delete(key);
      throw gmpError('GMP_ERR_NOT_FOUND', 'not found: the zip was removed from the cache; retry');
    };
    const again = async <T>(open: () => Promise<T | undefined>): Promise<T> => {
      const first = await open();
      if (first !== undefined) return first;
      this.lru.delete(key);
      if (refill === undefined || (await refill()) !== size) return gone();
      return (await open()) ?? gone();
    };
    const local = this.store.localFiles;
    return {
      size,
      h1,
      etag: `"${h1.slice(3)}"`,
      open: (range) => again(() => this.store.get(key, range)),
      openFile: local === undefined ? undefined : () => again(() => local.openShared(key)),
    };
  }

  forget(key: string): void {
    this.lru.delete(key);
  }
}
