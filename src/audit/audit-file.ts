// The server's audit file: lines appended in order by one writer that outlives its failures. A write that fails
// (a full disk, a quota used up) drops that event, counts it and tells the run's start once; the next event tries
// again, and the first one written after a run is preceded by an `audit.dropped` line saying how many were lost
// and since when, so that the file itself shows the gap. The request that caused an event never waits for it.
import { close, write } from 'node:fs';

/** What the owner hears about the file's failures (the log and the metric); never the lines themselves. */
export interface AuditTrouble {
  /** The first failure of a run: the system's reason (ENOSPC) and its message, no line content. */
  failing(reason: string, message: string): void;
  /** One event that could not be written. */
  dropped(): void;
  /** Writes work again after a run that dropped `count` events. */
  writesAgain(count: number): void;
}

/** Lines waiting beyond this are dropped (and counted): a disk that takes writes this slowly must not eat memory. */
const MAX_WAITING = 10_000;

export class AuditFile {
  readonly #waiting: string[] = [];
  #busy = false;
  #idle: (() => void)[] = [];
  /** The run of failures now: when it started and how many events it dropped. */
  #run: { since: string; dropped: number } | undefined;
  /** A failed write left part of a line: the next write ends it first, so later lines stay whole. */
  #cut = false;
  #closed = false;

  constructor(
    private readonly fd: number,
    private readonly trouble: AuditTrouble,
    private readonly now: () => Date = () => new Date(),
  ) {}

  append(line: string): void {
    if (this.#closed) return;
    if (this.#waiting.length >= MAX_WAITING) return this.#drop(new Error('too many audit events waiting for the disk'));
    this.#waiting.push(line);
    if (!this.#busy) void this.#drain();
  }

  /** Writes what waits, then closes the file. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#busy) await new Promise<void>((resolve) => this.#idle.push(resolve));
    await new Promise<void>((resolve) => close(this.fd, () => resolve()));
  }

  async #drain(): Promise<void> {
    this.#busy = true;
    for (let line = this.#waiting.shift(); line !== undefined; line = this.#waiting.shift()) await this.#writeOne(line);
    this.#busy = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  async #writeOne(line: string): Promise<void> {
    const run = this.#run;
    const notice = run === undefined ? '' : gapLine(run, this.now());
    // One write for the notice and the event: O_APPEND keeps it whole among other processes' lines.
    const bytes = Buffer.from(`${this.#cut ? '\n' : ''}${notice}${line}`);
    let done = 0;
    try {
      while (done < bytes.length) {
        const n = await writeAt(this.fd, bytes, done);
        // A short write is a full disk met mid-line: the rest is tried once more, which says why it fails.
        if (n === 0) throw Object.assign(new Error('no progress writing the audit log'), { code: 'EIO' });
        done += n;
      }
    } catch (err) {
      if (done > 0) this.#cut = true;
      this.#drop(err);
      return;
    }
    this.#cut = false;
    if (run === undefined) return;
    this.#run = undefined;
    this.trouble.writesAgain(run.dropped);
  }

  #drop(err: unknown): void {
    if (this.#run === undefined) {
      this.#run = { since: this.now().toISOString(), dropped: 0 };
      const e = err as NodeJS.ErrnoException;
      this.trouble.failing(typeof e.code === 'string' ? e.code : 'unknown', e.message);
    }
    this.#run.dropped++;
    this.trouble.dropped();
  }
}

/** The line that marks a gap: written before the first event after a run. */
function gapLine(run: { since: string; dropped: number }, now: Date): string {
  return `${JSON.stringify({ time: now.toISOString(), event: 'audit.dropped', dropped: run.dropped, since: run.since })}\n`;
}

function writeAt(fd: number, bytes: Buffer, from: number): Promise<number> {
  return new Promise((resolve, reject) => write(fd, bytes, from, bytes.length - from, null, (err, n) => (err ? reject(err) : resolve(n))));
}
