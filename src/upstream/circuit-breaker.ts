// A per-upstream circuit breaker: after `threshold` consecutive failures the upstream is skipped
// for `cooldownMs`; then one probe request is let through, and its outcome closes or re-opens it.

export type CircuitState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  readonly threshold: number;
  readonly cooldownMs: number;
  readonly now?: () => number;
  readonly onChange?: (state: CircuitState) => void;
}

export class CircuitBreaker {
  private failures = 0;
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
      this.set('half-open');
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    if (this.current !== 'closed') this.set('closed');
  }

  failure(): void {
    this.probing = false;
    this.failures++;
    if (this.current === 'half-open' || this.failures >= this.options.threshold) {
      this.openedAt = this.now();
      if (this.current !== 'open') this.set('open');
    }
  }

  /** Milliseconds until a probe is allowed (0 when not open). */
  retryInMs(): number {
    if (this.current !== 'open') return 0;
    return Math.max(0, this.options.cooldownMs - (this.now() - this.openedAt));
  }

  private set(state: CircuitState): void {
    this.current = state;
    this.options.onChange?.(state);
  }
}
