// This process's own storage failing (a full disk, no file descriptor left), told from every place that meets
// it: a run of failures of one kind is one line at error (its reason, no stack: the condition is known) and
// one when something is stored again, however many requests fail meanwhile; each is counted in metrics.
import type { Logger } from 'pino';
import { FailureRun } from '../coord/failure-run.js';
import { GmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';

export class LocalFailures {
  readonly #run = new FailureRun();
  readonly #onFull: (() => void)[] = [];
  /** Errors already told: one failure reaches several places (the fill, the cache, the request's answer). */
  readonly #told = new WeakSet<GmpError>();
  /** The current run's failures and what they fail with, for the line that ends it. */
  #count = 0;
  #code = '';
  #reason = '';

  constructor(
    private readonly log?: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** Told once when a run of full-disk failures starts (eviction frees space then). */
  onFull(listener: () => void): void {
    this.#onFull.push(listener);
  }

  /**
   * A failure met while filling, storing or answering; true when it is this process's own (then told here, and
   * the caller logs nothing), false for any other, which the caller handles as before.
   */
  failed(err: unknown, context: Record<string, unknown> = {}): boolean {
    if (!(err instanceof GmpError) || !err.local) return false;
    if (this.#told.has(err)) return true;
    this.#told.add(err);
    const reason = localReason(err) ?? '';
    this.metrics?.localFailures.inc({ code: err.code, reason });
    const starts = this.#run.failed(`${err.code} ${reason}`);
    this.#count = starts ? 1 : this.#count + 1;
    if (!starts) return true;
    this.#code = err.code;
    this.#reason = reason;
    this.log?.error(
      { ...context, code: err.code, reason, err: err.message },
      'local storage failing: each request gets 503 and is counted in metrics; not logged again until something is stored',
    );
    if (err.code === 'GMP_ERR_STORAGE_FULL') for (const listener of this.#onFull) listener();
    return true;
  }

  /** Something was stored: a run of failures, if any, is over. */
  succeeded(): void {
    if (!this.#run.succeeded()) return;
    this.log?.info({ code: this.#code, reason: this.#reason, failures: this.#count }, 'local storage works again');
  }
}

/** The system's reason for a local failure (ENOSPC and EDQUOT are both a full disk, but not the same fix). */
export function localReason(err: GmpError): string | undefined {
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
