// The free space eviction keeps on the module cache's file system (--cache-min-free): measured with statfs,
// and between two measures estimated from what this process stored, so that a fill costs no system call.
import type { DiskSpace } from '../storage/blob-store.js';

/** A size, or a percent of the file system. */
export type MinFree = { readonly bytes: number } | { readonly percent: number };

/** A pass for free space stops once a quarter more than the minimum is free: the fills right after it must not start another. */
const STOP_FACTOR = 1.25;

export function minFreeSet(min: MinFree): boolean {
  return ('bytes' in min ? min.bytes : min.percent) > 0;
}

export class FreeSpace {
  /** Bytes free at the last measure, less what was stored since. */
  #available = Number.POSITIVE_INFINITY;
  #minimum = 0;

  constructor(
    private readonly measure: () => Promise<DiskSpace>,
    private readonly min: MinFree,
  ) {}

  /** Measures the file system: how many bytes a pass must free (0: enough is free). */
  async shortfall(): Promise<number> {
    const s = await this.measure();
    this.#minimum = 'bytes' in this.min ? this.min.bytes : (s.size * this.min.percent) / 100;
    this.#available = s.available;
    return s.available < this.#minimum ? Math.ceil(this.#minimum * STOP_FACTOR - s.available) : 0;
  }

  /** Bytes this process stored (or, negative, removed) since the last measure. */
  used(bytes: number): void {
    this.#available -= bytes;
  }

  /** A write failed for want of space: the disk is full, whatever the last measure said. */
  full(): void {
    this.#available = 0;
  }

  /** Below the minimum, as far as this process knows without measuring. */
  get low(): boolean {
    return this.#available < this.#minimum;
  }

  get available(): number {
    return this.#available;
  }

  get minimum(): number {
    return this.#minimum;
  }
}
