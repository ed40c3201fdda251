// This process's own storage failing (a full disk, no file descriptor left), told from every place of the fill
// path that meets it: a run of failures of one kind is one event, however many requests fail during it.
import { FailureRun } from '../coord/failure-run.js';
import { GmpError } from '../errors.js';

export class LocalFailures {
  readonly #run = new FailureRun();
  readonly #onFull: (() => void)[] = [];

  /** Told once when a run of full-disk failures starts (eviction frees space then). */
  onFull(listener: () => void): void {
    this.#onFull.push(listener);
  }

  /** A failure met while filling or storing; failures that are not this process's own are ignored. */
  failed(err: unknown): void {
    if (!(err instanceof GmpError) || !err.local) return;
    if (this.#run.failed(kindOf(err)) && err.code === 'GMP_ERR_STORAGE_FULL') for (const listener of this.#onFull) listener();
  }

  /** Something was stored: a run of failures, if any, is over. */
  succeeded(): void {
    this.#run.succeeded();
  }
}

/** The error's code and the system's reason for it (ENOSPC and EDQUOT are both a full disk, but not the same fix). */
export function localReason(err: GmpError): string | undefined {
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function kindOf(err: GmpError): string {
  return `${err.code} ${localReason(err) ?? ''}`;
}
