// The in-process coordinator: leases in memory, values in one small file per key written atomically (or
// in memory, without a directory), so the trusted tree heads survive restarts as they always did. With
// worker processes the primary owns it and the workers reach it over IPC (ipc.ts).
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { localIoError } from '../errors.js';
import type { Coordinator, Lease } from './coordinator.js';
import { checkName } from './coordinator.js';
import { alive } from './process-alive.js';

interface Held extends Lease {
  /** Who holds it (a worker id under the primary); leases of a dead owner are dropped at once. */
  readonly owner: string;
}

export class LocalCoordinator implements Coordinator {
  readonly name = 'local';
  private readonly leases = new Map<string, Held>();
  private readonly values = new Map<string, string | undefined>();
  private readonly writes = new Map<string, Promise<void>>();
  private readonly casQueue = new Map<string, Promise<unknown>>();
  /** Whether the values directory is known to exist (created once, not before every write). */
  private dirMade = false;
  /** Tokens grow across restarts too: they start from the clock (µs) and count up. */
  private nextToken = Date.now() * 1000;

  /** A coordinator whose values persist in dir, with the temp files a crash left there removed first. */
  static async open(dir: string): Promise<LocalCoordinator> {
    const coord = new LocalCoordinator(dir);
    await coord.cleanup();
    return coord;
  }

  /** dir: where values persist (omit for a memory-only coordinator, e.g. in tests). */
  constructor(
    private readonly dir?: string,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(name: string, ttlMs: number, owner = 'self'): Promise<Lease | undefined> {
    checkName(name);
    const cur = this.leases.get(name);
    if (cur !== undefined && cur.expiresAt > this.now()) return undefined;
    const lease: Held = { name, token: ++this.nextToken, expiresAt: this.now() + ttlMs, owner };
    this.leases.set(name, lease);
    return strip(lease);
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const cur = this.leases.get(lease.name);
    if (cur === undefined || cur.token !== lease.token || cur.expiresAt <= this.now()) return undefined;
    const next = { ...cur, expiresAt: this.now() + ttlMs };
    this.leases.set(lease.name, next);
    return strip(next);
  }

  async release(lease: Lease): Promise<void> {
    if (this.leases.get(lease.name)?.token === lease.token) this.leases.delete(lease.name);
  }

  async holder(name: string): Promise<Lease | undefined> {
    const cur = this.leases.get(name);
    return cur !== undefined && cur.expiresAt > this.now() ? strip(cur) : undefined;
  }

  /**
   * Drops every lease of an owner that died (a worker process), so waiters need not wait for expiry. The work
   * is done before the first await: a primary that calls it from a worker's exit handler has dropped them
   * when the call returns.
   */
  async releaseOwner(owner: string): Promise<number> {
    let n = 0;
    for (const [name, l] of this.leases) {
      if (l.owner !== owner) continue;
      this.leases.delete(name);
      if (l.expiresAt > this.now()) n++;
    }
    return n;
  }

  /** This coordinator as one owner uses it: the leases it acquires carry that owner (for releaseOwner). */
  as(owner: string): Coordinator {
    return {
      name: this.name,
      acquire: (name, ttlMs) => this.acquire(name, ttlMs, owner),
      renew: (lease, ttlMs) => this.renew(lease, ttlMs),
      release: (lease) => this.release(lease),
      holder: (name) => this.holder(name),
      releaseOwner: (other) => this.releaseOwner(other),
      get: (key) => this.get(key),
      cas: (key, expected, next) => this.cas(key, expected, next),
      casDelete: (key, expected) => this.casDelete(key, expected),
      // The view shares this coordinator, which its creator closes.
      close: async () => undefined,
    };
  }

  /** With a directory, values are read from it every time, so an operator's change (`sumdb trust`) is seen. */
  async get(key: string): Promise<string | undefined> {
    checkName(key);
    if (this.dir === undefined) return this.values.get(key);
    // After the write in flight; one that failed left the file as it was, which is what there is to read.
    await this.writes.get(key)?.catch(() => undefined);
    return this.load(key);
  }

  cas(key: string, expected: string | undefined, next: string): Promise<boolean> {
    return this.swap(key, expected, next);
  }

  casDelete(key: string, expected: string): Promise<boolean> {
    return this.swap(key, expected, undefined);
  }

  /** Compare and set, one at a time per key: the comparison and the change cannot interleave. */
  private swap(key: string, expected: string | undefined, next: string | undefined): Promise<boolean> {
    const run = (this.casQueue.get(key) ?? Promise.resolve()).then(async () => {
      if ((await this.get(key)) !== expected) return false;
      if (this.dir === undefined) this.values.set(key, next);
      await this.persist(key, next);
      return true;
    });
    const tail = run.catch(() => undefined);
    this.casQueue.set(key, tail);
    void tail.then(() => {
      if (this.casQueue.get(key) === tail) this.casQueue.delete(key);
    });
    return run;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.writes.values());
  }

  private file(key: string): string | undefined {
    return this.dir === undefined ? undefined : path.join(this.dir, encodeURIComponent(key));
  }

  /**
   * A value is a line or two, just written or read, in the page cache: read with direct system calls. Through
   * the thread pool it was four round trips (open, stat, read, close), and the index feed and the own log ask
   * for their heads at every commit, several times a second during a cold download.
   */
  private async load(key: string): Promise<string | undefined> {
    const f = this.file(key);
    if (f === undefined) return undefined;
    try {
      return readFileSync(f, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Writes of one key stay in order; each is temp file + rename, so a crash leaves old or new. */
  private persist(key: string, value: string | undefined): Promise<void> {
    const f = this.file(key);
    if (f === undefined || this.dir === undefined) return Promise.resolve();
    const dir = this.dir;
    // After the previous write of the key, whether it worked or not: one failed write (a full disk for a moment)
    // must not fail every later one while the process runs.
    const previous = this.writes.get(key)?.catch(() => undefined) ?? Promise.resolve();
    const run = previous
      .then(() => this.write(dir, f, value))
      .catch((err: unknown) => {
        // A full disk (or quota) is the proxy's own failure, named as such: a 503 for HTTP, one line for a command.
        // The key is left out: a followed feed's is made from its URL.
        throw localIoError(err, "writing the local coordinator's values");
      });
    this.writes.set(key, run);
    return run;
  }

  private async write(dir: string, f: string, value: string | undefined): Promise<void> {
    if (!this.dirMade) {
      await mkdir(dir, { recursive: true });
      this.dirMade = true;
    }
    if (value === undefined) {
      await unlink(f).catch(() => undefined);
      return;
    }
    // Unique per write: two coordinators on one directory in one process (a command next to a server in
    // tests) must not rename each other's temp file away. The pid comes first, for cleanup().
    const tmp = `${f}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      await writeFile(tmp, value, { flush: true }).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        // The directory was removed while running: made again.
        await mkdir(dir, { recursive: true });
        await writeFile(tmp, value, { flush: true });
      });
      await rename(tmp, f);
    } catch (err) {
      // Only a failed write leaves the temp file: after the rename there is nothing to remove.
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Removes temp files a crash left in the values directory (at start): only those of processes that are gone.
   * A command run next to a serving proxy (`token create --data`) opens the same directory, and removing the
   * server's temp file between its write and its rename failed that write.
   */
  async cleanup(): Promise<void> {
    if (this.dir === undefined) return;
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const at = name.lastIndexOf('.tmp-');
      if (at < 0) continue;
      const pid = Number(name.slice(at + '.tmp-'.length).split('-')[0]);
      if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || alive(pid))) continue;
      await unlink(path.join(this.dir, name)).catch(() => undefined);
    }
  }
}

function strip(l: Held): Lease {
  return { name: l.name, token: l.token, expiresAt: l.expiresAt };
}
