// Progress of a long command: a bar redrawn in place on a terminal (count, bytes, rate, ETA), plain lines
// otherwise (one per item, for logs and CI), and the summary at the end with failures by module.
import type { Writable } from 'node:stream';

export interface Item {
  readonly name: string;
  readonly bytes: number;
  readonly error?: string;
  /** What to do about the error, the same for every item it applies to: said once, after the list of failures. */
  readonly hint?: string;
}

const MiB = 1024 * 1024;
export const formatBytes = (n: number): string =>
  n >= 10 * MiB ? `${(n / MiB).toFixed(0)} MiB` : n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
/** The closing list of failures, then each distinct hint once (300 versions behind one untrusted CA: one hint). */
export function failureList(failed: readonly Item[]): string {
  const hints = [...new Set(failed.flatMap((f) => (f.hint === undefined ? [] : [`hint: ${f.hint}`])))];
  return [`${failed.length} failed:`, ...failed.map((f) => `  ${f.name}: ${f.error}`), ...hints].join('\n');
}

const clock = (s: number): string => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

export class Progress {
  readonly #started = Date.now();
  readonly #failed: Item[] = [];
  #done = 0;
  #bytes = 0;
  #drawn = false;

  constructor(
    private readonly out: Writable & { isTTY?: boolean; columns?: number },
    private total: number,
    private readonly verb: string,
  ) {}

  get failed(): readonly Item[] {
    return this.#failed;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** More items became known (a graph walk found them). */
  grow(n: number): void {
    this.total += n;
  }

  item(it: Item): void {
    this.#done++;
    this.#bytes += it.bytes;
    if (it.error !== undefined) this.#failed.push(it);
    if (this.out.isTTY === true) {
      if (it.error !== undefined) this.#line(`FAIL ${it.name}: ${it.error}`);
      this.#bar();
    } else {
      this.out.write(it.error === undefined ? `ok   ${it.name} (${formatBytes(it.bytes)})\n` : `FAIL ${it.name}: ${it.error}\n`);
    }
  }

  /** The closing summary; says what was left undone when interrupted. */
  finish(interrupted: boolean): void {
    if (this.#drawn) this.out.write('\n');
    const secs = (Date.now() - this.#started) / 1000;
    const ok = this.#done - this.#failed.length;
    let text = `${this.verb} ${ok} of ${this.total} module versions (${formatBytes(this.#bytes)}) in ${secs.toFixed(1)} s`;
    if (interrupted) text += `; interrupted, ${this.total - this.#done} not done`;
    if (this.#failed.length > 0) text += `\n${failureList(this.#failed)}`;
    this.out.write(`${text}\n`);
  }

  #line(text: string): void {
    this.out.write(`\r\x1b[K${text}\n`);
  }

  #bar(): void {
    const secs = Math.max(0.001, (Date.now() - this.#started) / 1000);
    const rate = this.#bytes / secs;
    const eta = this.#done === 0 ? 0 : ((this.total - this.#done) * secs) / this.#done;
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 60));
    const filled = this.total === 0 ? width : Math.round((this.#done / this.total) * width);
    this.out.write(
      `\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.#done}/${this.total}  ${formatBytes(this.#bytes)}  ${formatBytes(rate)}/s  ETA ${clock(eta)}`,
    );
    this.#drawn = true;
  }
}
