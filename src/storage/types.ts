// The storage contract every backend (filesystem today, object storage later) fulfils.
// Keys are '/'-separated, case-encoded GOPROXY-layout paths such as `github.com/!foo/bar/@v/v1.0.0.zip`.
import type { Readable } from 'node:stream';

export interface BlobInfo {
  readonly size: number;
  readonly mtimeMs: number;
}

/** A byte range, inclusive on both ends as in HTTP. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * A temporary file a fill streams into. Nothing is visible under any key until commit(),
 * which MUST be atomic (a reader sees the old blob, or the whole new one, never a part).
 */
export interface Staged {
  readonly path: string;
  commit(key: string): Promise<void>;
  /** Removes the temp file; safe to call after commit or twice. */
  discard(): Promise<void>;
}

export interface Storage {
  /** Resolves undefined when the key is absent. */
  stat(key: string): Promise<BlobInfo | undefined>;
  /** Whole small blob, or undefined when absent. */
  read(key: string): Promise<Buffer | undefined>;
  /** A stream of the blob (or a range of it). MUST throw GMP_ERR_NOT_FOUND when absent. */
  stream(key: string, range?: ByteRange): Promise<Readable>;
  /** Atomic write of a small blob. */
  write(key: string, data: Buffer | string): Promise<void>;
  /** A new temp file to stream a large blob into. */
  stage(): Promise<Staged>;
  delete(key: string): Promise<void>;
  /** Names directly under a key prefix ending in '/', e.g. the files of `mod/@v/`. Empty when absent. */
  list(prefix: string): Promise<string[]>;
}
