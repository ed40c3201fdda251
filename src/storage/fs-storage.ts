// Filesystem storage: blobs under <data>/cache, temp files under <data>/tmp, every write atomic
// (temp file, fsync, rename). Native errors are translated here: ENOENT becomes "absent".
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { gmpError } from '../errors.js';
import type { BlobInfo, ByteRange, Staged, Storage } from './types.js';

const SAFE_KEY = /^[a-z0-9.\-_~!+@/]+$/;

export class FsStorage implements Storage {
  readonly root: string;
  readonly tmp: string;

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
    const file = this.filePath(key);
    // Open first so that absence is reported before any byte is promised to a client.
    const handle = await open(file, 'r').catch((err: unknown) => {
      if (isAbsent(err)) throw gmpError('GMP_ERR_NOT_FOUND', 'not found');
      throw err;
    });
    return createReadStream('', { fd: handle, start: range?.start, end: range?.end, autoClose: true });
  }

  async write(key: string, data: Buffer | string): Promise<void> {
    const staged = await this.stage();
    try {
      const fh = await open(staged.path, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
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
        const dest = this.filePath(key);
        await mkdir(path.dirname(dest), { recursive: true });
        await rename(tmpPath, dest);
        done = true;
      },
      discard: async () => {
        if (done) return;
        done = true;
        await unlink(tmpPath).catch(() => undefined);
      },
    };
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
