// Reads a GOPROXY-layout directory named by a file:// URL, as the go command does: the decoded
// path is used on disk (so files are named `!azure`), a missing file is 404, a permission error 403.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gmpError } from '../errors.js';
import type { RawFetcher, RawResponse } from './source.js';

export class FileFetcher implements RawFetcher {
  readonly name: string;
  private readonly root: string;

  constructor(url: string) {
    this.name = url;
    this.root = path.resolve(fileURLToPath(url));
  }

  /** Local files: no retries, no deadline (a disk does not trickle). */
  async fetch<T>(relPath: string, _endpoint: string, read: (res: RawResponse) => Promise<T>): Promise<T> {
    return read(await this.open(relPath));
  }

  private async open(relPath: string): Promise<RawResponse> {
    const file = path.join(this.root, decodeURIComponent(relPath));
    if (!file.startsWith(this.root + path.sep)) throw gmpError('GMP_ERR_REQUEST_INVALID', 'invalid path');
    try {
      const fh = await open(file, 'r');
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        throw gmpError('GMP_ERR_NOT_FOUND', 'not found');
      }
      return { body: createReadStream('', { fd: fh, autoClose: true }), contentLength: st.size };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw gmpError('GMP_ERR_NOT_FOUND', 'not found');
      if (code === 'EACCES' || code === 'EPERM') throw gmpError('GMP_ERR_FORBIDDEN', `upstream ${this.name}: permission denied`);
      throw err;
    }
  }
}
