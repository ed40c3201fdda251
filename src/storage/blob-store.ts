// The storage port: everything gomodproxy stores (module artifacts, checksum-log blobs, sumdb caches) goes
// through this small interface, so the code above it never knows whether a blob is a local file or an object.
import type { Readable } from 'node:stream';
import type { SharedFd } from './fd-cache.js';

export interface BlobInfo {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A byte range, inclusive on both ends as in HTTP. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface ListOptions {
  /** Resume after this key (exclusive): the `cursor` of the previous page. */
  readonly cursor?: string;
  /** At most this many keys (the store may return fewer; default 1000). */
  readonly limit?: number;
}

export interface ListPage {
  /** Full keys under the prefix, at any depth, in ascending byte order. */
  readonly keys: string[];
  /** Present when more keys may follow: pass it as `cursor` for the next page. */
  readonly cursor?: string;
}

/** Space on a file system, in bytes. */
export interface DiskSpace {
  /** Free to this process (without the blocks reserved for root). */
  readonly available: number;
  readonly size: number;
}

/**
 * Optional capability of stores whose blobs are local files: a shared open descriptor of an immutable
 * blob for positional reads (zero-copy sends), and the space on their file system (eviction keeps some
 * free). Declared by the store, checked by callers, never cast to.
 */
export interface LocalFiles {
  /** undefined when absent. Release the descriptor when done. */
  openShared(key: string): Promise<SharedFd | undefined>;
  /** The file system the blobs are on (statfs). */
  space(): Promise<DiskSpace>;
}

/**
 * Keys are '/'-separated, lower-case-safe GOPROXY-layout paths (`github.com/!foo/bar/@v/v1.0.0.zip`).
 * Contract for every backend (see conformance.ts):
 * - absence is reported one way: `undefined` from stat, read and get; delete of an absent key succeeds;
 * - put and putFile are atomic: a reader sees the old blob or the whole new one, never a part;
 * - invalid keys (empty segments, `.`/`..`, characters outside the key alphabet) throw GMP_ERR_REQUEST_INVALID;
 * - a store that cannot be reached throws GMP_ERR_STORAGE_UNAVAILABLE; a local I/O failure GMP_ERR_LOCAL_IO.
 */
export interface BlobStore {
  /** Where the blobs live, for logs and messages (never with credentials). */
  readonly name: string;
  stat(key: string): Promise<BlobInfo | undefined>;
  /** The whole blob (meant for small ones). */
  read(key: string): Promise<Buffer | undefined>;
  /** A stream of the blob, or of a range of it. */
  get(key: string, range?: ByteRange): Promise<Readable | undefined>;
  put(key: string, data: Buffer | string): Promise<void>;
  /** Stores a local (scratch) file's bytes under key and takes the file: once stored, it is gone (moved, or copied and removed). */
  putFile(key: string, file: string): Promise<void>;
  delete(key: string): Promise<void>;
  list(prefix: string, options?: ListOptions): Promise<ListPage>;
  readonly localFiles?: LocalFiles;
  close(): Promise<void>;
}

/** Every key under a prefix, page by page. */
export async function* listAll(store: BlobStore, prefix: string, limit?: number): AsyncGenerator<string> {
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, { cursor, limit });
    yield* page.keys;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
