// Durable copies written after the answer: the validated value goes to the waiting clients at once and
// the file follows (temp file, fsync, rename: a crash loses the copy, never leaves half a file).
import type { Logger } from 'pino';
import type { Storage } from '../storage/types.js';

export class WriteBehind<V> {
  private readonly writing = new Map<string, { value: V; done: Promise<void> }>();

  constructor(
    private readonly storage: Storage,
    private readonly log?: Logger,
  ) {}

  /** Starts writing `body` under `key`; writes of one key stay in order. */
  write(key: string, body: Buffer, value: V): void {
    const before = this.writing.get(key)?.done ?? Promise.resolve();
    const done: Promise<void> = before
      .then(() => this.storage.write(key, body))
      .catch((err: unknown) => this.log?.error({ err, key }, 'could not store a cache entry'))
      .finally(() => {
        if (this.writing.get(key)?.done === done) this.writing.delete(key);
      });
    this.writing.set(key, { value, done });
  }

  /** The value of a write still running, so lookups never miss what was just answered. */
  get(key: string): V | undefined {
    return this.writing.get(key)?.value;
  }

  /** Waits for every write still running. */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all([...this.writing.values()].map((w) => w.done));
  }
}
