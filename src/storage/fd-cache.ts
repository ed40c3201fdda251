// Open descriptors of immutable blobs, shared by concurrent readers and kept for a while (like nginx's
// open_file_cache): a warm zip hit then costs no open() or close(). Reads must be positional.
import { close, open } from 'node:fs';

interface Entry {
  readonly fd: number;
  readonly opened: number;
  refs: number;
  evicted: boolean;
}

export interface SharedFd {
  readonly fd: number;
  /** Gives the descriptor back; safe to call twice. */
  release(): void;
}

function openRead(file: string): Promise<number> {
  return new Promise((resolve, reject) => open(file, 'r', (err, fd) => (err === null ? resolve(fd) : reject(err))));
}

export class FdCache {
  /** Insertion order is recency order: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  /** Closes what has been open longer than maxAgeMs while descriptors are kept (see sweep). */
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly max = 256,
    /** Reopen after this long, so that a file removed from the cache directory is not served for ever. */
    private readonly maxAgeMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  async acquire(file: string): Promise<SharedFd> {
    let e = this.entries.get(file);
    if (e !== undefined && this.now() - e.opened > this.maxAgeMs) {
      this.evict(file, e);
      e = undefined;
    }
    if (e === undefined) {
      const fd = await openRead(file);
      e = this.entries.get(file);
      if (e !== undefined) {
        // Another reader opened it meanwhile: keep theirs.
        close(fd, () => undefined);
      } else {
        e = { fd, opened: this.now(), refs: 0, evicted: false };
        this.entries.set(file, e);
        this.trim();
        this.sweeper ??= setInterval(() => this.sweep(), this.maxAgeMs).unref();
      }
    } else {
      this.entries.delete(file);
      this.entries.set(file, e);
    }
    const entry = e;
    entry.refs++;
    let released = false;
    return {
      fd: entry.fd,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.evicted && entry.refs === 0) close(entry.fd, () => undefined);
      },
    };
  }

  /** A file removed: its descriptor is closed now, or when its last reader finishes. */
  forget(file: string): void {
    const e = this.entries.get(file);
    if (e !== undefined) this.evict(file, e);
  }

  /** Closes every descriptor not in use now, and the others as soon as their readers finish. */
  closeAll(): void {
    for (const [file, e] of this.entries) this.evict(file, e);
    this.stopSweeping();
  }

  /**
   * Closes the descriptors open longer than maxAgeMs (each as soon as its readers finish). A descriptor holds
   * its file's blocks after the file is deleted: another worker's eviction frees the disk only once every
   * process has let go, which an idle zip's descriptor otherwise never does. Runs every maxAgeMs while any is kept.
   */
  sweep(): void {
    for (const [file, e] of this.entries) if (this.now() - e.opened > this.maxAgeMs) this.evict(file, e);
    if (this.entries.size === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private trim(): void {
    for (const [file, e] of this.entries) {
      if (this.entries.size <= this.max) break;
      this.evict(file, e);
    }
  }

  private evict(file: string, e: Entry): void {
    this.entries.delete(file);
    e.evicted = true;
    if (e.refs === 0) close(e.fd, () => undefined);
  }
}
