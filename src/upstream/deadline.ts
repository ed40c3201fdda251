// The total time a fill may spend reading an answer from upstreams, scaled by its size: a base allowance
// plus the size at a minimum average rate. The idle timeout alone cannot stop an upstream that trickles a
// byte just before every idle gap ends; this does, and aborts the request through `signal`.
import { GmpError, gmpError } from '../errors.js';

export interface DeadlinePolicy {
  /** What any answer may take (connect, headers, a small body). */
  readonly baseMs: number;
  /** The slowest average rate, in bytes per second, allowed on top of the base. */
  readonly minBytesPerSec: number;
}

/** One fill's deadline; every attempt of the fill (each upstream, each retry) shares it. */
export class FillDeadline {
  private readonly ac = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  /** Bytes the answer is known or seen to have (the Content-Length, or what arrived so far). */
  private bytes = 0;
  private armed = false;

  constructor(
    private readonly policy: DeadlinePolicy,
    /** What is being filled, for the message: `zip for example.com/m@v1.0.0`. */
    private readonly what: string,
    /** When the request began: a waiter that took over after another process's fill keeps its own start. */
    private readonly startedAt: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Aborted when the deadline passes; pass it to the request so that it stops at once. */
  get signal(): AbortSignal {
    return this.ac.signal;
  }

  get expired(): boolean {
    return this.ac.signal.aborted;
  }

  /** When the fill must end, for the bytes known now. */
  get endsAt(): number {
    return this.startedAt + this.policy.baseMs + (this.bytes * 1000) / this.policy.minBytesPerSec;
  }

  /**
   * The body begins (size = its Content-Length when given): from now on the deadline is enforced. Until
   * then the connect and first-byte timeouts bound the wait, so that a waiter taking over after another
   * process failed still gets to see how large the answer is.
   */
  begin(size?: number): void {
    if (size !== undefined) this.bytes = Math.max(this.bytes, size);
    this.armed = true;
    this.arm();
  }

  /** Bytes received so far in this attempt; with no Content-Length the deadline grows with them. */
  progress(received: number): void {
    if (received > this.bytes) this.bytes = received;
  }

  /** The error a fill that passed its deadline ends with (504, nothing stored). */
  error(): GmpError {
    if (this.expired) return this.ac.signal.reason as GmpError;
    const secs = ((this.now() - this.startedAt) / 1000).toFixed(1);
    const rate = `${Math.round(this.policy.minBytesPerSec / 1024)} KiB/s`;
    return gmpError(
      'GMP_ERR_FILL_DEADLINE',
      `${this.what}: gave up after ${secs}s: the upstream sent it too slowly (fill deadline: ${this.policy.baseMs / 1000}s plus its size at ${rate}); nothing was stored`,
    );
  }

  /** Stops the timer (the fill is over). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armed = false;
  }

  /** One timer at a time, set for the current end; when it fires with more bytes seen, it is set again. */
  private arm(): void {
    if (!this.armed || this.expired) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const left = this.endsAt - this.now();
    if (left <= 0) {
      this.ac.abort(this.error());
      return;
    }
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.arm();
      },
      Math.min(left, 2 ** 31 - 1),
    );
    this.timer.unref();
  }
}

/** Whether an error is (or was caused by) a passed deadline. */
export function isDeadline(err: unknown): boolean {
  return err instanceof GmpError && err.code === 'GMP_ERR_FILL_DEADLINE';
}
