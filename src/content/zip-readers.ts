// The zips this process is reading right now (a response streaming one, a descriptor lent out), by store
// key: the evictor skips them. Other processes are covered by the store itself (an open file outlives its
// unlink; an S3 GET under way completes), and a reader that had only looked a zip up refills it, checked
// against the kept h1.
export class ZipReaders {
  readonly #open = new Map<string, number>();

  acquire(key: string): () => void {
    this.#open.set(key, (this.#open.get(key) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.#open.get(key) ?? 1) - 1;
      if (n <= 0) this.#open.delete(key);
      else this.#open.set(key, n);
    };
  }

  has(key: string): boolean {
    return this.#open.has(key);
  }
}
