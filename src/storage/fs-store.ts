// The filesystem backend: blobs are files under a root directory, every write atomic (a scratch file,
// fsync, rename). Native errors are translated here: ENOENT is "absent", ENOSPC a full disk.
import { createReadStream, open as openCb, readFileSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { copyFile, mkdir, open, readFile, readdir, rename, rmdir, statfs, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { BlobInfo, BlobStore, ByteRange, DiskSpace, ListOptions, ListPage, LocalFiles } from './blob-store.js';
import { FdCache } from './fd-cache.js';
import type { SharedFd } from './fd-cache.js';
import { within } from '../bounded-wait.js';
import { lostToPrune } from './prune-race.js';
import { atomicTempName, removeAtomicLeftovers } from './atomic-file.js';
import { durableWriter } from './durable-writer.js';
import { STORE_STAGING } from './data-dirs.js';
import { checkKey, checkPrefix } from './keys.js';
import { isAbsent } from './local-errors.js';
import { localIoError } from '../errors.js';
import { checkInside } from './inside-root.js';
import type { Scratch } from './scratch.js';

/** The file of a key under root (GMP_ERR_REQUEST_INVALID for a key that is not valid). */
export function keyPath(root: string, key: string): string {
  return path.join(root, checkKey(key));
}

/**
 * Puts up to this size go to the durable-write thread; larger ones (rare: bundles' big pages) use the thread pool,
 * so that one long fsync does not hold up the small writes queued behind it. putFile (a large zip's scratch file)
 * uses the pool too, for the same reason.
 */
const THREAD_PUT = 4 << 20;

/**
 * Files up to this size are read with direct system calls: a marker, a page of a log, a `.mod` or
 * `.info` just written sits in the page cache, and each thread-pool operation (a read through it is four: open,
 * stat, read, close) cost a wake-up of a pool thread and one of the event loop, the dearest part of a small read.
 * Larger files (zips) go through the pool, so that a disk that is slow to answer never holds up the loop for long.
 */
const DIRECT_IO = 64 << 10;

/**
 * How long close() waits for the writes in flight (written behind answers: access times, verdicts, markers). A
 * write takes milliseconds; a disk that hangs longer must not hold the shutdown for good.
 */
const CLOSE_WAIT_MS = 10_000;

export class FsStore implements BlobStore {
  readonly name: string;
  readonly root: string;
  readonly localFiles: LocalFiles;
  private readonly dirs = new Set<string>();
  private readonly files = new FdCache();
  private readonly staging: string;
  /** Writes in flight, each through a scratch file: close() waits for them before the scratch area goes. */
  private readonly writing = new Set<Promise<void>>();

  /** Scratch files for atomic writes must be on the same file system as root (both live under --data). */
  constructor(
    root: string,
    private readonly scratch: Scratch,
  ) {
    this.root = path.resolve(root);
    this.staging = path.join(this.root, STORE_STAGING);
    this.name = `fs:${this.root}`;
    this.localFiles = { openShared: (key) => this.openShared(key), space: () => this.space() };
  }

  /** Maps a key to a file path; the key rule keeps every path inside root. */
  filePath(key: string): string {
    return keyPath(this.root, key);
  }

  /**
   * A file's metadata, asked of the kernel directly rather than through the thread pool: lookups on a cold fill
   * are misses the kernel answers in microseconds from its directory cache, while a round trip through the pool
   * cost each one a turn of the event loop (0.4–0.9 ms, median, during a cold download of 100 modules).
   */
  private statNow(file: string): Stats | undefined {
    try {
      const s = statSync(file, { throwIfNoEntry: false });
      return s?.isFile() ? s : undefined;
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw localIoError(err, 'reading the cache');
    }
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    const s = this.statNow(this.filePath(key));
    return s === undefined ? undefined : { size: s.size, mtimeMs: s.mtimeMs };
  }

  async read(key: string): Promise<Buffer | undefined> {
    const file = this.filePath(key);
    // Absent (the common case when a fill looks first): known at once. Present and large: read without blocking the loop.
    const s = this.statNow(file);
    if (s === undefined) return undefined;
    try {
      return s.size <= DIRECT_IO ? readFileSync(file) : await readFile(file);
    } catch (err) {
      if (isAbsent(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw localIoError(err, 'reading the cache');
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    // Open first so that absence is known before any byte is promised. A numeric fd: streams over a
    // FileHandle go through promises per chunk and are about half as fast.
    const file = this.filePath(key);
    const fd = await new Promise<number | undefined>((resolve, reject) => {
      openCb(file, 'r', (err, fd) => {
        if (err === null) resolve(fd);
        else if (isAbsent(err)) resolve(undefined);
        else reject(localIoError(err, 'reading the cache'));
      });
    });
    if (fd === undefined) return undefined;
    return createReadStream('', { fd, start: range?.start, end: range?.end, autoClose: true, highWaterMark: 256 * 1024 });
  }

  private async openShared(key: string): Promise<SharedFd | undefined> {
    try {
      return await this.files.acquire(this.filePath(key));
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw localIoError(err, 'reading the cache');
    }
  }

  /** Of the file system the root is on; before the first write makes the root, of its nearest folder that exists. */
  private async space(): Promise<DiskSpace> {
    for (let dir = this.root; ; dir = path.dirname(dir)) {
      try {
        const s = await statfs(dir);
        return { available: s.bavail * s.bsize, size: s.blocks * s.bsize };
      } catch (err) {
        if (!isAbsent(err) || path.dirname(dir) === dir) throw localIoError(err, 'measuring the free space of the cache');
      }
    }
  }

  put(key: string, data: Buffer | string): Promise<void> {
    return this.tracked(this.putNow(key, data));
  }

  putFile(key: string, file: string): Promise<void> {
    return this.tracked(this.putFileNow(key, file));
  }

  private tracked(write: Promise<void>): Promise<void> {
    this.writing.add(write);
    const done = () => void this.writing.delete(write);
    write.then(done, done);
    return write;
  }

  private async putNow(key: string, data: Buffer | string): Promise<void> {
    const dest = this.filePath(key);
    const tmp = this.scratch.file('put');
    try {
      if (data.length <= THREAD_PUT) {
        // The whole write (open, write, fsync, close, rename) in one message to the writer thread.
        await durableWriter().write(tmp.path, dest, this.root, data);
        return;
      }
      // flush: fsync before close, in one call.
      await writeFile(tmp.path, data, { flush: true });
      await this.renameInto(tmp.path, dest);
    } catch (err) {
      // Only a write that failed leaves a temp file: after the rename there is nothing to remove, and
      // unlinking it anyway cost every put a thread-pool round trip that failed with ENOENT.
      await tmp.discard();
      throw localIoError(err, `storing ${key}`);
    }
  }

  private async putFileNow(key: string, file: string): Promise<void> {
    const dest = this.filePath(key);
    try {
      const fh = await open(file, 'r+');
      await fh.sync().finally(() => fh.close());
      await this.renameInto(file, dest);
    } catch (err) {
      throw localIoError(err, `storing ${key}`);
    }
  }

  /** Renames into place; directories known to exist are not created again (a syscall per fill saved). */
  private async renameInto(from: string, dest: string): Promise<void> {
    const dir = path.dirname(dest);
    for (let attempt = 1; ; attempt++) {
      try {
        if (!this.dirs.has(dir)) {
          await checkInside(this.root, dir);
          await mkdir(dir, { recursive: true });
          if (this.dirs.size >= 10_000) this.dirs.clear();
          this.dirs.add(dir);
        }
        await rename(from, dest);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EXDEV') return this.copyInto(from, dest);
        if (!lostToPrune(err, attempt)) throw err;
        // A delete that emptied the directory pruned it (prune-race.ts): the ones known to exist may be gone.
        this.dirs.clear();
      }
    }
  }

  /**
   * Scratch on another file system: copy into this store's staging folder, then rename from there; what a
   * crash leaves in it is removed at the next start (sweep).
   */
  private async copyInto(from: string, dest: string): Promise<void> {
    await mkdir(this.staging, { recursive: true });
    const near = atomicTempName(path.join(this.staging, 'blob'));
    try {
      await copyFile(from, near);
      const fh = await open(near, 'r+');
      await fh.sync().finally(() => fh.close());
      await rename(near, dest);
      // Stored: the file is the store's to remove, as a rename would have.
      await unlink(from).catch(() => undefined);
    } finally {
      await unlink(near).catch(() => undefined);
    }
  }

  /** Removes what interrupted writes of processes that no longer run left (at start); says how many. */
  sweep(): Promise<number> {
    return removeAtomicLeftovers(this.staging);
  }

  async delete(key: string): Promise<void> {
    const file = this.filePath(key);
    try {
      await unlink(file);
    } catch (err) {
      if (isAbsent(err)) return;
      throw localIoError(err, `deleting ${key}`);
    }
    // A descriptor kept open for sends would hold the file's blocks: eviction deletes to free the disk.
    this.files.forget(file);
    await this.prune(path.dirname(file));
  }

  /**
   * Removes a directory a delete left empty, then its parents while they are empty too, up to the root. A
   * folder is only a part of keys: left behind, every later list walks it. The feed's and the own log's
   * pending markers are named by module path, so each module owner ever filled left one, and their writers
   * list those folders five times a second: 3,000 of them kept an idle proxy at half a core. A put racing
   * with this finds its directory gone and creates it again (renameInto, the durable writer; prune-race.ts).
   */
  private async prune(dir: string): Promise<void> {
    for (let d = dir; d.startsWith(this.root + path.sep) && d !== this.staging; d = path.dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        // Not empty (the usual answer), already gone, or not ours to remove: nothing more to prune.
        return;
      }
      this.dirs.delete(d);
    }
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    checkPrefix(prefix);
    const limit = options.limit ?? 1000;
    const keys: string[] = [];
    const cursor = options.cursor ?? '';
    const more = await this.walk(prefix === '' ? this.root : path.join(this.root, prefix), prefix, cursor, limit, keys);
    return more ? { keys, cursor: keys[keys.length - 1] } : { keys };
  }

  /**
   * Depth-first in byte order of the full keys: a directory sorts as its name followed by '/'. Subtrees
   * wholly before the cursor are skipped. Returns true when the limit was reached (more may follow).
   */
  private async walk(dir: string, keyPrefix: string, cursor: string, limit: number, out: string[]): Promise<boolean> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isAbsent(err)) return false;
      throw localIoError(err, 'listing the cache');
    }
    // An empty folder holds no keys: one left by an older version (which did not prune on delete) goes now.
    if (entries.length === 0 && dir !== this.root) await this.prune(dir);
    const named = entries
      .filter((e) => (e.isFile() || e.isDirectory()) && !(dir === this.root && e.name === STORE_STAGING))
      .map((e) => ({ e, sortKey: e.isDirectory() ? `${e.name}/` : e.name }));
    named.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    for (const { e, sortKey } of named) {
      const key = keyPrefix + sortKey;
      if (e.isDirectory()) {
        // Every key below starts with `key`; skip it when the cursor is past them all.
        if (cursor !== '' && !cursor.startsWith(key) && cursor > key) continue;
        if (await this.walk(path.join(dir, e.name), key, cursor, limit, out)) return true;
      } else if (key > cursor) {
        out.push(key);
        if (out.length >= limit) return true;
      }
    }
    return false;
  }

  /** Waits (bounded) for the writes in flight; the caller sealed the scratch area, so no new one starts. */
  async close(): Promise<void> {
    this.files.closeAll();
    const drained = (async () => {
      while (this.writing.size > 0) await Promise.allSettled(this.writing);
    })();
    await within(drained, CLOSE_WAIT_MS, () => undefined);
  }
}
