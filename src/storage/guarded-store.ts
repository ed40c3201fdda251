// The shared storage (S3) as the proxy uses it: once its probe, or a call, found it unreachable, every call fails at
// once with GMP_ERR_STORAGE_UNAVAILABLE (503 with Retry-After) until the probe finds it answering again, instead of
// each request waiting out the client's timeouts and retries against a store that accepts connections and never
// answers (a minute and more). A call that finds it unreachable reports it, so the next ones fail fast too.
import type { Readable } from 'node:stream';
import { gmpError, isGmpError } from '../errors.js';
import type { BlobInfo, BlobStore, ByteRange, ListOptions, ListPage, LocalFiles } from './blob-store.js';

/** What the guard reads and tells: the storage's Availability (coord/availability.ts). */
export interface StorageHealth {
  readonly up: boolean;
  readonly reason: string | undefined;
  failed(reason: string): void;
}

export class GuardedStore implements BlobStore {
  readonly name: string;
  readonly localFiles?: LocalFiles;
  #health: StorageHealth | undefined;

  constructor(private readonly inner: BlobStore) {
    this.name = inner.name;
    this.localFiles = inner.localFiles;
  }

  /** From now on, calls fail fast while `health` says the store is down. */
  watch(health: StorageHealth): void {
    this.#health = health;
  }

  private async call<T>(op: () => Promise<T>): Promise<T> {
    const health = this.#health;
    if (health !== undefined && !health.up) throw gmpError('GMP_ERR_STORAGE_UNAVAILABLE', `${this.name} is unreachable: ${health.reason ?? 'no answer'}`);
    try {
      return await op();
    } catch (err) {
      if (isGmpError(err, 'GMP_ERR_STORAGE_UNAVAILABLE')) health?.failed(err.message);
      throw err;
    }
  }

  stat(key: string): Promise<BlobInfo | undefined> {
    return this.call(() => this.inner.stat(key));
  }

  read(key: string): Promise<Buffer | undefined> {
    return this.call(() => this.inner.read(key));
  }

  get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    return this.call(() => this.inner.get(key, range));
  }

  put(key: string, data: Buffer | string): Promise<void> {
    return this.call(() => this.inner.put(key, data));
  }

  putFile(key: string, file: string): Promise<void> {
    return this.call(() => this.inner.putFile(key, file));
  }

  delete(key: string): Promise<void> {
    return this.call(() => this.inner.delete(key));
  }

  list(prefix: string, options?: ListOptions): Promise<ListPage> {
    return this.call(() => this.inner.list(prefix, options));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
