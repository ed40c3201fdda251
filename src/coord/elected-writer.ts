// One writer at a time among all processes sharing a coordinator: every process tries to take a lease now
// and then; the holder does the writing (drains what others left for it) on a short tick, the others try
// again on a longer one. Used by the logs shared through the blob store (own checksum database, index feed).
import { FailureRun } from './failure-run.js';
import type { Coordinator } from './coordinator.js';
import type { HeldLease } from './lease.js';
import { tryHold } from './lease.js';

export interface ElectedWriterOptions {
  readonly coord: Coordinator;
  /** The lease name. */
  readonly lease: string;
  readonly ttlMs?: number;
  /** How often a process that is not the writer tries to become it. */
  readonly electMs?: number;
  /** How often the writer runs `work`. */
  readonly workMs?: number;
  /** This process just became the writer; `token` is its lease's fencing token. */
  readonly elected: (token: number) => Promise<void>;
  /** This process is not (or no longer) the writer. */
  readonly deposed: () => void;
  /** The writer's periodic work. */
  readonly work: () => Promise<void>;
  /**
   * A failed election or work tick (retried on the next tick). Told once for a run of ticks failing the same
   * way (by error code, else message): a full disk failed the feed's tick five times a second, each logged.
   */
  readonly failed: (err: unknown) => void;
  /** A tick succeeded after failures that `failed` was told of. */
  readonly recovered?: () => void;
}

export class ElectedWriter {
  #lease: HeldLease | undefined;
  #timer: NodeJS.Timeout | undefined;
  #tick: Promise<void> = Promise.resolve();
  #closed = false;
  /** The ticks failing in a row, told once. */
  readonly #failures = new FailureRun();

  constructor(private readonly opts: ElectedWriterOptions) {}

  /** Whether this process is the writer now. */
  get writer(): boolean {
    return this.#lease !== undefined && !this.#lease.lost.aborted;
  }

  /** Runs the first election (and work, when elected) now; later ones follow on their own. */
  start(): Promise<void> {
    this.#tick = this.#run();
    return this.#tick;
  }

  async #run(): Promise<void> {
    if (this.#closed) return;
    try {
      if (!this.writer) {
        this.opts.deposed();
        this.#lease = await tryHold(this.opts.coord, this.opts.lease, this.opts.ttlMs ?? 15_000);
        if (this.#lease !== undefined) await this.opts.elected(this.#lease.lease.token);
      }
      if (this.writer) await this.opts.work();
      if (this.#failures.succeeded()) this.opts.recovered?.();
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown } | undefined;
      const why = String(e?.code ?? e?.message ?? err);
      if (this.#failures.failed(why)) this.opts.failed(err);
    }
    if (this.#closed) return;
    const delay = this.writer ? (this.opts.workMs ?? 200) : (this.opts.electMs ?? 2000);
    this.#timer = setTimeout(() => {
      this.#tick = this.#run();
    }, delay).unref();
  }

  /** Stops the ticks, lets a running one end, runs `finish` (still as the writer, if it was), then gives the lease back. */
  async close(finish?: () => Promise<void>): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#tick;
    try {
      await finish?.();
    } finally {
      await this.#lease?.release();
      this.#lease = undefined;
      this.opts.deposed();
    }
  }
}
