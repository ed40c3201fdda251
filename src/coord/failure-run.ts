// A run of failures of one periodic or repeated operation (a tick, a write per hit), so that a full disk is
// told once rather than on every try, and its end told once too.

export class FailureRun {
  /** What the failures of the current run fail with, or undefined while the operation works. */
  #kind: string | undefined;

  /** Notes a failure of this kind; true when it starts a run (the first, or one failing another way than the last). */
  failed(kind = ''): boolean {
    const starts = this.#kind !== kind;
    this.#kind = kind;
    return starts;
  }

  /** Whether the last try failed (a run is under way). */
  get failing(): boolean {
    return this.#kind !== undefined;
  }

  /** Notes a success; true when it ends a run of failures. */
  succeeded(): boolean {
    const ends = this.#kind !== undefined;
    this.#kind = undefined;
    return ends;
  }
}
