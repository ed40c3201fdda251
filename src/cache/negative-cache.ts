// Remembers not-found answers for a short time, so the many 404 lookups the go command makes for
// path prefixes (golang.org/x, …) do not each cost an upstream round trip.
import type { GmpError } from '../errors.js';

const MAX_ENTRIES = 50_000;

export class NegativeCache {
  private readonly entries = new Map<string, { err: GmpError; expires: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws the remembered error when `key` was recently not found. */
  check(key: string): void {
    const hit = this.entries.get(key);
    if (hit === undefined) return;
    if (hit.expires > this.now()) throw hit.err;
    this.entries.delete(key);
  }

  /** Forgets the not-found answers whose key passes `drop` (a push may have made them exist). */
  forgetWhere(drop: (key: string) => boolean): void {
    for (const k of [...this.entries.keys()]) if (drop(k)) this.entries.delete(k);
  }

  remember(key: string, err: GmpError): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { err, expires: this.now() + this.ttlMs });
  }
}
