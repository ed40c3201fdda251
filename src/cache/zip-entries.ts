// What the cache remembers about stored zips: size and hash (so a hit needs no stat or hash read), the
// bytes of small ones, and how to open the blob. Bounded by bytes like the metadata LRU.
import { createReadStream, read } from 'node:fs';
import { Readable } from 'node:stream';
import { gmpError } from '../errors.js';
import type { BlobStore, ByteRange } from '../storage/blob-store.js';
import type { SharedFd } from '../storage/fd-cache.js';
import type { PinnedFile } from '../storage/pinned-file.js';
import type { ZipReaders } from '../content/zip-readers.js';
import { ByteLRU, ENTRY_OVERHEAD, ownBytes } from '../storage/byte-lru.js';

export interface ZipHandle {
  readonly size: number;
  readonly etag: string;
  readonly h1: string;
  /** The whole zip, when it is small enough to be kept in memory. */
  readonly body?: Buffer;
  open(range?: ByteRange): Promise<Readable>;
  /** A shared descriptor for positional reads (release it when done), when the store has local files. */
  openFile?(): Promise<SharedFd>;
  /** When a fill of this process produced it (ms); absent for a zip found in storage. */
  readonly filledAt?: number;
}

/**
 * Zips up to this size are kept in memory once read, if they fit the LRU's limit per entry (an eighth of
 * its budget): a hit on one is a single write of a Buffer, without the reads of a file send (measured
 * with bench/ab.ts, see docs/performance.md). Most module zips are this small.
 */
export const SMALL_ZIP_BYTES = 2 << 20;
/** What an entry costs besides its bytes: a handle's closures come on top of the common overhead. */
const ENTRY_BYTES = ENTRY_OVERHEAD + 512;

type Entry = ZipHandle & { readonly bytes: number };

/** A zip a fill of this process just produced: its bytes if in memory, else its scratch file while the commit runs. */
export interface JustFilled {
  readonly local?: PinnedFile;
  readonly body?: Buffer;
  readonly durable: Promise<boolean>;
}

/** Fills a zip again; resolves to its size. */
export type Refill = () => Promise<number>;

export class ZipEntries {
  private readonly lru: ByteLRU<Entry>;
  /** Entries whose bytes are being read from the store, by key. */
  private readonly loading = new Map<string, Promise<ZipHandle>>();
  /** Zips up to this many bytes are held in memory. */
  private readonly small: number;

  constructor(
    private readonly store: BlobStore,
    maxBytes: number,
    /** Told of every read under way, so eviction leaves those zips alone. */
    private readonly readers?: ZipReaders,
  ) {
    this.lru = new ByteLRU(maxBytes);
    this.small = Math.min(SMALL_ZIP_BYTES, Math.floor(maxBytes / 8) - ENTRY_BYTES);
  }

  get(key: string): ZipHandle | undefined {
    return this.lru.get(key);
  }

  /**
   * A zip just filled: while its commit runs, it is read from memory (a small zip the fill checked there) or
   * from the validated scratch file (`local`); small ones are kept in memory straight away. Filled by another
   * process (neither): read from the store.
   */
  filled(key: string, size: number, h1: string, fill: JustFilled, refill?: Refill): Promise<ZipHandle> {
    if (fill.local !== undefined || fill.body?.length === size) return this.pending(key, size, h1, fill.durable, fill.local, fill.body, refill);
    return this.stored(key, size, h1, refill);
  }

  /**
   * A zip found in storage: remembered with its bytes when small; refill fills it again if it is evicted.
   * The bytes are read once for every concurrent caller: a herd on a zip another replica just filled is one
   * storage read per process, not one per request. A failed read still gives a handle (each request then
   * opens the zip itself) but is not remembered.
   */
  stored(key: string, size: number, h1: string, refill?: Refill): Promise<ZipHandle> {
    const loading = this.loading.get(key);
    if (loading !== undefined) return loading;
    const handle = this.handle(key, size, h1, refill);
    const read = size <= this.small ? this.store.read(key) : Promise.resolve(undefined);
    const p = read
      .then(
        (body) => {
          const entry = { ...handle, body: body?.length === size ? ownBytes(body) : undefined, bytes: ENTRY_BYTES + (body?.length ?? 0) };
          this.lru.set(key, entry);
          return entry;
        },
        (): ZipHandle => handle,
      )
      .finally(() => this.loading.delete(key));
    this.loading.set(key, p);
    return p;
  }

  private async pending(
    key: string,
    size: number,
    h1: string,
    durable: Promise<boolean>,
    local?: PinnedFile,
    bytes?: Buffer,
    refill?: Refill,
  ): Promise<ZipHandle> {
    const stored = { ...this.handle(key, size, h1, refill), filledAt: Date.now() };
    const inMemory = bytes?.length === size ? ownBytes(bytes) : undefined;
    // The bytes the fill validated, when it had them in memory; else read once from the scratch file.
    const kept = size > this.small ? undefined : (inMemory ?? (local === undefined ? undefined : await readPinned(local, size)));
    // Without a scratch file the bytes are all there is until the commit ends, whatever the memory limit.
    const body = local === undefined ? inMemory : kept;
    const fromLocal = (): SharedFd | undefined => local?.acquire();
    const entry: Entry = {
      ...stored,
      body,
      bytes: ENTRY_BYTES + (body?.length ?? 0),
      open: async (range) => {
        if (local === undefined && body !== undefined) return Readable.from([body.subarray(range?.start ?? 0, (range?.end ?? size - 1) + 1)]);
        const fd = fromLocal();
        if (fd === undefined) return stored.open(range);
        const s = createReadStream('', { fd: fd.fd, start: range?.start ?? 0, end: range?.end ?? size - 1, autoClose: false });
        s.once('close', () => fd.release());
        return s;
      },
      // Only where the store itself has files (elsewhere readers stream open(), which falls back to the store),
      // and not while the bytes in memory are the only copy.
      openFile:
        stored.openFile === undefined || local === undefined ? undefined : async () => fromLocal() ?? (await (stored.openFile as () => Promise<SharedFd>)()),
    };
    this.lru.set(key, entry);
    // Committed: later requests read the store. Not committed (a failed write): forget it, the next request refills.
    void durable.then((ok) => {
      if (this.lru.get(key) !== entry) return;
      if (ok) this.lru.set(key, { ...stored, body: kept, bytes: ENTRY_BYTES + (kept?.length ?? 0) });
      else this.lru.delete(key);
    });
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
      open: (range) => this.reading(key, () => again(() => this.store.get(key, range))),
      openFile: local === undefined ? undefined : () => this.reading(key, () => again(() => local.openShared(key))),
    };
  }

  /** Holds the zip as being read from before it is opened until its stream closes or its descriptor is released. */
  private async reading<T extends Readable | SharedFd>(key: string, open: () => Promise<T>): Promise<T> {
    const release = this.readers?.acquire(key);
    if (release === undefined) return open();
    let opened: T;
    try {
      opened = await open();
    } catch (err) {
      release();
      throw err;
    }
    if ('fd' in opened && !('pipe' in opened)) {
      const fd = opened as SharedFd;
      const both = () => {
        fd.release();
        release();
      };
      return { fd: fd.fd, release: both } as T;
    }
    (opened as Readable).once('close', release);
    return opened;
  }

  forget(key: string): void {
    this.lru.delete(key);
  }
}

/** The whole (small) file behind a pinned descriptor. */
async function readPinned(local: PinnedFile, size: number): Promise<Buffer | undefined> {
  const fd = local.acquire();
  if (fd === undefined) return undefined;
  try {
    const buf = Buffer.allocUnsafeSlow(size);
    let at = 0;
    while (at < size) {
      const n = await new Promise<number>((resolve, reject) => read(fd.fd, buf, at, size - at, at, (err, got) => (err === null ? resolve(got) : reject(err))));
      if (n === 0) return undefined;
      at += n;
    }
    return buf;
  } finally {
    fd.release();
  }
}
