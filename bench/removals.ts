// Removals held back until the timed runs of a suite are over. On this benchmark's machines the file system
// is ext4 without a journal, where creating a file skips, one by one, every free inode of its block group
// that was freed in the last minute (the kernel's recently_deleted() in find_inode_bit()). Removing the
// module cache and the contender's directory after each timed `go mod download` made every later run pay
// for the files the earlier ones freed: perf put 38 % of all samples of a run of the go command straight at
// the upstream in that scan, and the run took 0.61 s where it takes 0.12 s without the removals
// (docs/performance.md, "What a removal costs the next run").
import { rm } from 'node:fs/promises';

export class DeferredRemovals {
  readonly #paths: string[] = [];

  /** Removes `p` when `now()` is called, not before. */
  later(p: string): void {
    this.#paths.push(p);
  }

  /** How many paths wait. */
  get pending(): number {
    return this.#paths.length;
  }

  /** Removes everything held back, in the order it was handed over. */
  async now(): Promise<void> {
    while (this.#paths.length > 0) await rm(this.#paths.shift() as string, { recursive: true, force: true });
  }
}
