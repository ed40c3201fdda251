// Filesystem storage: blobs under <data>/cache, temp files under <data>/tmp, every write atomic
// (temp file, fsync, rename). Native errors are translated here: ENOENT becomes "absent".
import { createReadStream, open as openCb } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { gmpError } from '../errors.js';
import { FdCache } from './fd-cache.js';
import type { SharedFd } from './fd-cache.js';
import type { BlobInfo, ByteRange, Staged, Storage } from './types.js';

// Every character escapePath and escapeVersion can emit (a query such as `feat(x)` included), plus '/';
// never a backslash, NUL or a control character. Traversal is refused element by element in filePath.
const SAFE_KEY = /^[a-z0-9.\-_~!+@/ #$%&()=,[\]^{}]+$/;

export class FsStorage implements Storage {
  readonly root: string;
  readonly tmp: string;
  private readonly dirs = new Set<string>();
  private readonly files = new FdCache();

  constructor(dataDir: string) {
    this.root = path.resolve(dataDir, 'cache');
    this.tmp = path.resolve(dataDir, 'tmp');
  }

  /** Creates the directories and removes temp files left by a process killed mid-fill. */
  async init(): Promise<{ removedTempFiles: number }> {
    await mkdir(this.root, { recursive: true });
    const leftovers = await readdir(this.tmp).catch(() => [] as string[]);
    await rm(this.tmp, { recursive: true, force: true });
    await mkdir(this.tmp, { recursive: true });
    return { removedTempFiles: leftovers.length };
  }

  /** Maps a key to a file path, refusing anything that could leave the cache directory. */
  filePath(key: string): string {
    if (!SAFE_KEY.test(key) || key.startsWith('/') || key.split('/').some((e) => e === '' || e === '.' || e === '..')) {
      throw gmpError('GMP_ERR_REQUEST_INVALID', 'invalid storage key');
    }
    const full = path.join(this.root, key);
    if (!full.startsWith(this.root + path.sep)) throw gmpError('GMP_ERR_REQUEST_INVALID', 'invalid storage key');
    return full;
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.filePath(key));
      return s.isFile() ? { size: s.size, mtimeMs: s.mtimeMs } : undefined;
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.filePath(key));
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw err;
    }
  }

  async stream(key: string, range?: ByteRange): Promise<Readable> {
    // Open first so that absence is reported before any byte is promised to a client. A numeric fd:
    // streams over a FileHandle go through promises per chunk and are about half as fast.
    const fd = await this.openFd(key);
    return createReadStream('', { fd, start: range?.start, end: range?.end, autoClose: true, highWaterMark: 256 * 1024 });
  }

  /** A shared, cached descriptor of an immutable blob for positional reads; GMP_ERR_NOT_FOUND when absent. */
  async openShared(key: string): Promise<SharedFd> {
    return this.files.acquire(this.filePath(key)).catch((err: unknown) => {
      throw isAbsent(err) ? gmpError('GMP_ERR_NOT_FOUND', 'not found') : err;
    });
  }

  /** Closes cached descriptors (on shutdown). */
  closeFiles(): void {
    this.files.closeAll();
  }

  /** Opens a blob for reading; the caller closes the descriptor. GMP_ERR_NOT_FOUND when absent. */
  openFd(key: string): Promise<number> {
    const file = this.filePath(key);
    return new Promise((resolve, reject) => {
      openCb(file, 'r', (err, fd) => {
        if (err === null) resolve(fd);
        else reject(isAbsent(err) ? gmpError('GMP_ERR_NOT_FOUND', 'not found') : err);
      });
    });
  }

  async write(key: string, data: Buffer | string): Promise<void> {
    const staged = await this.stage();
    try {
      // flush: fsync before close, in one call (open, write, fsync, close without a round trip each).
      await writeFile(staged.path, data, { flush: true });
      await staged.commit(key);
    } finally {
      await staged.discard();
    }
  }

  async stage(): Promise<Staged> {
    const tmpPath = path.join(this.tmp, `${Date.now()}-${randomBytes(6).toString('hex')}.tmp`);
    let done = false;
    return {
      path: tmpPath,
      commit: async (key: string) => {
        await this.renameInto(tmpPath, this.filePath(key));
        done = true;
      },
      discard: async () => {
        if (done) return;
        done = true;
        await unlink(tmpPath).catch(() => undefined);
      },
    };
  }

  /** Renames into place; directories known to exist are not created again (a syscall per fill saved). */
  private async renameInto(from: string, dest: string): Promise<void> {
    const dir = path.dirname(dest);
    if (!this.dirs.has(dir)) {
      await mkdir(dir, { recursive: true });
      this.rememberDir(dir);
    }
    try {
      await rename(from, dest);
    } catch (err) {
      if (!isAbsent(err)) throw err;
      // The directory was removed behind our back (cache pruning): create it again.
      this.dirs.clear();
      await mkdir(dir, { recursive: true });
      await rename(from, dest);
    }
  }

  private rememberDir(dir: string): void {
    if (this.dirs.size >= 10_000) this.dirs.clear();
    this.dirs.add(dir);
  }

  async delete(key: string): Promise<void> {
    await unlink(this.filePath(key)).catch((err: unknown) => {
      if (!isAbsent(err)) throw err;
    });
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.filePath(prefix.replace(/\/$/, ''));
    try {
      const entries = await readdir(dir, { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name);
    } catch (err) {
      if (isAbsent(err)) return [];
      throw err;
    }
  }
}

function isAbsent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
