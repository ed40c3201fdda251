// A view of a blob store under a key prefix: the shared state of a deployment (checksum-database caches, the
// own checksum log) lives in the same bucket or directory as the module cache, under a prefix no module path
// can take, through one client. Closing the view leaves the store it views open.
import type { Readable } from 'node:stream';
import type { SharedFd } from './fd-cache.js';
import type { BlobInfo, BlobStore, ByteRange, ListOptions, ListPage, LocalFiles } from './blob-store.js';
import { checkKey, checkPrefix } from './keys.js';

export class PrefixedStore implements BlobStore {
  readonly name: string;
  readonly localFiles?: LocalFiles;

  /** prefix: a valid key followed by '/', e.g. `_gomodproxy/sumdb/sum.golang.org/`. */
  constructor(
    private readonly inner: BlobStore,
    private readonly prefix: string,
  ) {
    checkPrefix(prefix);
    if (prefix === '') throw new Error('a prefixed store needs a prefix');
    this.name = `${inner.name.replace(/\/$/, '')}/${prefix.slice(0, -1)}`;
    const files = inner.localFiles;
    if (files !== undefined)
      this.localFiles = { openShared: async (key): Promise<SharedFd | undefined> => files.openShared(this.full(key)), space: () => files.space() };
  }

  /** Async callers get a rejection, not a throw, for an invalid key: the contract of every store. */
  private full(key: string): string {
    return this.prefix + checkKey(key);
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    return this.inner.stat(this.full(key));
  }

  async read(key: string): Promise<Buffer | undefined> {
    return this.inner.read(this.full(key));
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    return this.inner.get(this.full(key), range);
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    return this.inner.put(this.full(key), data);
  }

  async putFile(key: string, file: string): Promise<void> {
    return this.inner.putFile(this.full(key), file);
  }

  async delete(key: string): Promise<void> {
    return this.inner.delete(this.full(key));
  }

  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    checkPrefix(prefix);
    const page = await this.inner.list(this.prefix + prefix, {
      limit: options.limit,
      cursor: options.cursor === undefined ? undefined : this.prefix + options.cursor,
    });
    const keys = page.keys.map((k) => k.slice(this.prefix.length));
    return page.cursor === undefined ? { keys } : { keys, cursor: page.cursor.slice(this.prefix.length) };
  }

  async close(): Promise<void> {
    // The viewed store belongs to whoever made it.
  }
}
