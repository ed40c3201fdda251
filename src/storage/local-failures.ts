// This process's own storage failing (a full disk, no file descriptor left), told from every place that meets
// it: a run of failures of one kind is one line at error (its reason, no stack: the condition is known) and
// one when something is stored again, however many requests fail meanwhile; each is counted in metrics. A
// worker of `serve --workers N` hands its failures to the primary instead (app/cluster-failures.ts), which
// keeps one such log for the whole server.
import type { Logger } from 'pino';
import { FailureRun } from '../coord/failure-run.js';
import { GmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';

/** One failure as the log of runs needs it: plain values, so that it can travel to the primary. */
export interface LocalFailure {
  readonly code: string;
  readonly reason: string;
  readonly message: string;
  readonly context: Record<string, unknown>;
}

/** The disk full now (ENOSPC, or EDQUOT: a quota used up), since the first failure of the run that says so. */
export interface DiskFull {
  /** When the run started (ms since the epoch). */
  readonly since: number;
  readonly reason: string;
}

/** Where failures and successes are told: this process's log of runs, or the primary's. */
export interface FailureLog {
  failed(failure: LocalFailure): void;
  succeeded(): void;
  /** Whether the disk is full now, for /readyz: until something is stored again (with workers, by any of them). */
  full(): DiskFull | undefined;
}

const STORAGE_FULL = 'GMP_ERR_STORAGE_FULL';

/** The log of runs: one line when a run of one kind starts, one (with the run's count) when something is stored. */
export class FailureRunLog implements FailureLog {
  readonly #run = new FailureRun();
  /** The current run's failures and what they fail with, for the line that ends it. */
  #count = 0;
  #code = '';
  #reason = '';
  /** Set by the first full-disk failure, kept through failures of other kinds until something is stored. */
  #full: DiskFull | undefined;

  /** The next look for room while the disk is full. */
  #looking: NodeJS.Timeout | undefined;

  constructor(
    private readonly log?: Logger,
    private readonly now: () => number = Date.now,
    private readonly room?: RoomCheck,
  ) {}

  full(): DiskFull | undefined {
    return this.#full;
  }

  /** True when this failure starts a run (and was logged). */
  failed({ code, reason, message, context }: LocalFailure): boolean {
    if (code === STORAGE_FULL && this.#full === undefined) {
      this.#full = { since: this.now(), reason };
      this.#lookForRoom();
    }
    const starts = this.#run.failed(`${code} ${reason}`);
    this.#count = starts ? 1 : this.#count + 1;
    if (!starts) return false;
    this.#code = code;
    this.#reason = reason;
    this.log?.error(
      { ...context, code, reason, err: message },
      'local storage failing: what needs it gets 503 (a fill already validated is still answered, but not kept), counted in metrics; not logged again until something is stored',
    );
    return true;
  }

  succeeded(): void {
    this.#full = undefined;
    if (!this.#run.succeeded()) return;
    this.log?.info({ code: this.#code, reason: this.#reason, failures: this.#count }, 'local storage works again');
  }

  /** Ends a run without a line: no one who met it is left to say whether storing works again. */
  forget(): void {
    this.#full = undefined;
    this.#run.succeeded();
  }

  /**
   * While the disk is full, asks every few seconds whether it has room again: a node that serves only hits stores
   * nothing, and would otherwise say degraded long after room came back. Room ends the full disk (and its run).
   */
  #lookForRoom(): void {
    const room = this.room;
    if (room === undefined || this.#looking !== undefined) return;
    this.#looking = setTimeout(() => {
      void room.probe().then((yes) => {
        this.#looking = undefined;
        if (this.#full === undefined) return;
        if (!yes) return this.#lookForRoom();
        const fullRun = this.#code === STORAGE_FULL;
        this.#full = undefined;
        if (fullRun && this.#run.succeeded())
          this.log?.info({ code: this.#code, reason: this.#reason, failures: this.#count }, 'local storage works again (room on the disk again)');
        room.onRoom?.();
      });
    }, room.everyMs);
    this.#looking.unref();
  }
}

/** How a log of runs finds room again on a full disk without a store (storage/room-probe.ts). */
export interface RoomCheck {
  probe(): Promise<boolean>;
  readonly everyMs: number;
  /** Told when room ended a full disk (the primary tells its workers). */
  onRoom?(): void;
}

export class LocalFailures {
  /** This process's own runs, which wake eviction; the log may be another process's. */
  readonly #run = new FailureRun();
  readonly #onFull: (() => void)[] = [];
  /** Errors already told: one failure reaches several places (the fill, the cache, the request's answer). */
  readonly #told = new WeakSet<GmpError>();

  constructor(
    log?: Logger,
    private readonly metrics?: Metrics,
    private readonly runs: FailureLog = new FailureRunLog(log),
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
    // A full disk that room ended meanwhile (found by a probe, not a store) is a new one: eviction wakes again.
    const fullBefore = this.runs.full() !== undefined;
    this.runs.failed({ code: err.code, reason, message: err.message, context });
    const starts = this.#run.failed(`${err.code} ${reason}`);
    if (err.code === STORAGE_FULL && (starts || !fullBefore)) for (const listener of this.#onFull) listener();
    return true;
  }

  /** Whether the disk is full now (for /readyz): for the whole server, with workers. */
  diskFull(): DiskFull | undefined {
    return this.runs.full();
  }

  /** Something was stored: a run of failures, if any, is over. */
  succeeded(): void {
    this.#run.succeeded();
    this.runs.succeeded();
  }
}

/** The system's reason for a local failure (ENOSPC and EDQUOT are both a full disk, but not the same fix). */
export function localReason(err: GmpError): string | undefined {
  const code = (err.cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
