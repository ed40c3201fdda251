// Failed authentications per client address: after `limit` failures within a minute the address gets
// 429 until the minute is over, so tokens cannot be guessed at speed. Per process (each worker counts its
// own), bounded in memory.

const WINDOW_MS = 60_000;
const MAX_ADDRESSES = 50_000;

export class FailureLimiter {
  private readonly failures = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again, or 0 when it may now. */
  blockedFor(address: string): number {
    const f = this.failures.get(address);
    if (f === undefined || f.count < this.limit) return 0;
    const left = f.since + WINDOW_MS - this.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.failures.delete(address);
    return 0;
  }

  fail(address: string): void {
    const t = this.now();
    const f = this.failures.get(address);
    if (f !== undefined && t - f.since < WINDOW_MS) {
      f.count++;
      return;
    }
    if (this.failures.size >= MAX_ADDRESSES) this.sweep(t);
    this.failures.set(address, { count: 1, since: t });
  }

  private sweep(t: number): void {
    for (const [a, f] of this.failures) if (t - f.since >= WINDOW_MS) this.failures.delete(a);
    // Under a flood of distinct addresses, forget everything rather than grow without bound.
    if (this.failures.size >= MAX_ADDRESSES) this.failures.clear();
  }
}
