// A per-upstream circuit breaker: it opens only on evidence that the host is down, not on one module's
// trouble. Failures carry a key: those with the same key count once (so one bad module, or one path that
// keeps failing, never opens it); failures without a key (connect errors) count each. `threshold` distinct
// failures with no success in between open it for `cooldownMs`; then one probe (a request, or a background
// probe) is let through, and its outcome closes or re-opens it.

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  readonly threshold: number;
  readonly cooldownMs: number;
  readonly now?: () => number;
  /** `why` says what opened it (the distinct failures seen), for the log. */
  readonly onChange?: (state: CircuitState, why: string) => void;
}

export class CircuitBreaker {
  private readonly failed = new Map<string, string>();
  private unkeyed = 0;
  private openedAt = 0;
  private probing = false;
  private current: CircuitState = 'closed';
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Whether a request may go out now. In half-open state only one probe at a time is allowed. */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.cooldownMs) return false;
      this.set('half-open', 'cooldown over: probing');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failed.clear();
    this.probing = false;
    if (this.current !== 'closed') this.set('closed', 'a request succeeded');
  }

  /**
   * A failure. `key` names what failed when the failure could be that thing's own (a module, a path);
   * without a key it says the host itself is unreachable. `reason` is for the log only.
   */
  failure(key?: string, reason = 'failed'): void {
    this.probing = false;
    const k = key ?? `#${this.unkeyed++}`;
    this.failed.delete(k);
    this.failed.set(k, reason);
    if (this.current === 'half-open' || this.failed.size >= this.options.threshold) {
      this.openedAt = this.now();
      const why = this.summary();
      this.failed.clear();
      if (this.current !== 'open') this.set('open', why);
    }
  }

  /** Milliseconds until a probe is allowed (0 when not open). */
  retryInMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.options.cooldownMs - (this.now() - this.openedAt));
  }

  private summary(): string {
    const reasons = [...this.failed.values()];
    return `${reasons.length} distinct failures in a row, last: ${reasons[reasons.length - 1] ?? 'none'}`;
  }

  private set(state: CircuitState, why: string): void {
    this.current = state;
    this.options.onChange?.(state, why);
  }
}
