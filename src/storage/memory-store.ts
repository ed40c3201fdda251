// An in-memory backend: the reference implementation of the storage contract, for tests and throwaway use.
import { readFile, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { BlobInfo, BlobStore, ByteRange, ListOptions, ListPage } from './blob-store.js';
import { checkKey, checkPrefix } from './keys.js';

export class MemoryStore implements BlobStore {
  readonly name = 'memory:';
  private readonly blobs = new Map<string, { data: Buffer; mtimeMs: number }>();

  async stat(key: string): Promise<BlobInfo | undefined> {
    const b = this.blobs.get(checkKey(key));
    return b === undefined ? undefined : { size: b.data.length, mtimeMs: b.mtimeMs };
  }

  async read(key: string): Promise<Buffer | undefined> {
    const b = this.blobs.get(checkKey(key));
    return b === undefined ? undefined : Buffer.from(b.data);
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    const b = this.blobs.get(checkKey(key));
    if (b === undefined) return undefined;
    return Readable.from([range === undefined ? b.data : b.data.subarray(range.start, range.end + 1)]);
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    this.blobs.set(checkKey(key), { data: Buffer.from(data), mtimeMs: Date.now() });
  }

  async putFile(key: string, file: string): Promise<void> {
    checkKey(key);
    const data = await readFile(file);
    this.blobs.set(key, { data, mtimeMs: Date.now() });
    await unlink(file).catch(() => undefined);
  }

  async delete(key: string): Promise<void> {
    this.blobs.delete(checkKey(key));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    checkPrefix(prefix);
    const limit = options.limit ?? 1000;
    const cursor = options.cursor ?? '';
    const keys = [...this.blobs.keys()].filter((k) => k.startsWith(prefix) && k > cursor).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return keys.length > limit ? { keys: keys.slice(0, limit), cursor: keys[limit - 1] } : { keys };
  }

  async close(): Promise<void> {}
}
