// The shared storage (S3) as the proxy uses it: once its probe, or a call, found it unreachable, every call fails at
// once with GMP_ERR_STORAGE_UNAVAILABLE (503 with Retry-After) until the probe finds it answering again, instead of
// each request waiting out the client's timeouts and retries against a store that accepts connections and never
// answers (a minute and more). A call that finds it unreachable reports it, so the next ones fail fast too, and
// reads already waiting for it fail then as well (unreachable()). Writes in flight are left to finish or fail
// by themselves: one given up here could still land later, over what a newer write of its key stored.
import { Readable } from 'node:stream';
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
  /** Reads waiting for the store, each failed at once by unreachable(). */
  readonly #waiting = new Set<(reason: string) => void>();

  constructor(private readonly inner: BlobStore) {
    this.name = inner.name;
    this.localFiles = inner.localFiles;
  }

  /** From now on, calls fail fast while `health` says the store is down. */
  watch(health: StorageHealth): void {
    this.#health = health;
  }

  /** The store was found unreachable (by the probe or a call): reads still waiting for it fail now, with 503. */
  unreachable(reason: string | undefined): void {
    for (const fail of [...this.#waiting]) fail(reason ?? 'no answer');
  }

  private async call<T>(op: () => Promise<T>, abandonable = false): Promise<T> {
    const health = this.#health;
    const down = (reason: string | undefined) => gmpError('GMP_ERR_STORAGE_UNAVAILABLE', downMessage(this.name, reason));
    if (health !== undefined && !health.up) throw down(health.reason);
    const pending = op().catch((err: unknown) => {
      if (isGmpError(err, 'GMP_ERR_STORAGE_UNAVAILABLE')) health?.failed(err.message);
      throw err;
    });
    if (!abandonable) return pending;
    let gaveUp = false;
    const fail = (reason: string) => {
      gaveUp = true;
      abandon(down(reason));
    };
    let abandon: (err: Error) => void = () => undefined;
    const abandoned = new Promise<never>((_, reject) => (abandon = reject));
    this.#waiting.add(fail);
    // A call given up on ends by itself, within the client's timeouts; a stream it still opens is closed.
    pending.then(
      (out) => gaveUp && out instanceof Readable && out.destroy(),
      () => undefined,
    );
    try {
      return await Promise.race([pending, abandoned]);
    } finally {
      this.#waiting.delete(fail);
    }
  }

  stat(key: string): Promise<BlobInfo | undefined> {
    return this.call(() => this.inner.stat(key), true);
  }

  read(key: string): Promise<Buffer | undefined> {
    return this.call(() => this.inner.read(key), true);
  }

  get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    return this.call(() => this.inner.get(key, range), true);
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
    return this.call(() => this.inner.list(prefix, options), true);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * What a request is told while the store is down, naming it once: a reason from the store's own errors
 * (s3-errors.ts) already starts with its name and says what failed (an endpoint that cannot be reached, our
 * credentials refused), so it is the whole message; a bare one (a probe with no answer in time) gets the name.
 */
export function downMessage(name: string, reason: string | undefined): string {
  if (reason?.startsWith(`${name}: `)) return reason;
  return `${name} is unreachable: ${reason ?? 'no answer'}`;
}
