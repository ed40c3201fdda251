// One writer at a time among all processes sharing a coordinator: every process tries to take a lease now
// and then; the holder does the writing (drains what others left for it) on a short tick while there is work,
// a longer one while there is none (an idle server polled five directories five times a second) or while its
// work fails (a full disk, an unreachable object store: tried five times a second for as long), and at once
// when this process itself leaves work; the others try again on a longer one. Used by the logs shared through
// the blob store (own checksum database, index feed).
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
  /** How soon the writer runs `work` again after a tick that found work. */
  readonly workMs?: number;
  /**
   * The longest wait between ticks that find nothing or fail: each such tick doubles the wait from `workMs` up
   * to this. Work left by another process waits this long at most; `wake()` cuts the wait for this process's
   * own, unless the last tick failed.
   */
  readonly idleMs?: number;
  /** This process just became the writer; `token` is its lease's fencing token. */
  readonly elected: (token: number) => Promise<void>;
  /** This process is not (or no longer) the writer. */
  readonly deposed: () => void;
  /** The writer's periodic work; resolves to whether it found any (then the next tick comes after `workMs`). */
  readonly work: () => Promise<boolean>;
  /**
   * A failed election or work tick (retried on the next tick). Told once for a run of ticks failing the same
   * way (by error code, else message): a full disk failed the feed's tick five times a second, each logged.
   */
  readonly failed: (err: unknown) => void;
  /** A tick succeeded after failures that `failed` was told of. */
  readonly recovered?: () => void;
  /** The timers (a test's fake clock). */
  readonly timers?: Timers;
}

export interface Timers {
  readonly set: (run: () => void, ms: number) => unknown;
  readonly clear: (timer: unknown) => void;
}

const realTimers: Timers = {
  set: (run, ms) => setTimeout(run, ms).unref(),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export class ElectedWriter {
  #lease: HeldLease | undefined;
  #timer: unknown;
  #tick: Promise<void> = Promise.resolve();
  #running = false;
  #closed = false;
  /** The wait after the last tick (grows while ticks find nothing). */
  #wait = 0;
  /** wake() came during a tick: the next one follows after workMs, however idle the writer was. */
  #woken = false;
  readonly #timers: Timers;
  /**
   * The ticks failing in a row, told once. While the last tick failed, the waits grow as idle ones do, and wake()
   * does not cut them (nor retry per stored zip).
   */
  readonly #failures = new FailureRun();

  constructor(private readonly opts: ElectedWriterOptions) {
    this.#timers = opts.timers ?? realTimers;
  }

  /** Whether this process is the writer now. */
  get writer(): boolean {
    return this.#lease !== undefined && !this.#lease.lost.aborted;
  }

  /** Runs the first election (and work, when elected) now; later ones follow on their own. */
  start(): Promise<void> {
    this.#tick = this.#run();
    return this.#tick;
  }

  /**
   * This process just left work for the writer: when it is the writer and idle, the next tick runs now, not
   * after the idle wait; a busy writer keeps its pace (a tick every workMs, woken or not: under load, wakes
   * must not turn into back-to-back listings), and so does a failing one (backing off). Other processes' work
   * waits for their next tick.
   */
  wake(): void {
    if (this.#closed || !this.writer || this.#failures.failing) return;
    if (this.#running) {
      this.#woken = true;
      return;
    }
    if (this.#wait <= this.#workMs) return;
    this.#timers.clear(this.#timer);
    // Due now; a tick after it that finds nothing waits workMs again, not twice the idle wait.
    this.#wait = 0;
    this.#schedule(0);
  }

  async #run(): Promise<void> {
    if (this.#closed) return;
    this.#running = true;
    this.#woken = false;
    let busy = true;
    try {
      if (!this.writer) {
        this.opts.deposed();
        this.#lease = await tryHold(this.opts.coord, this.opts.lease, this.opts.ttlMs ?? 15_000);
        if (this.#lease !== undefined) await this.opts.elected(this.#lease.lease.token);
      }
      if (this.writer) busy = await this.opts.work();
      if (this.#failures.succeeded()) this.opts.recovered?.();
    } catch (err) {
      const e = err as { code?: unknown; message?: unknown } | undefined;
      const why = String(e?.code ?? e?.message ?? err);
      if (this.#failures.failed(why)) this.opts.failed(err);
    } finally {
      this.#running = false;
    }
    if (this.#closed) return;
    this.#schedule(this.#waitAfter(!this.#failures.failing && (busy || this.#woken)));
  }

  get #workMs(): number {
    return this.opts.workMs ?? 200;
  }

  /** The wait before the next tick: workMs after work, doubling up to idleMs while ticks find none or fail. */
  #waitAfter(busy: boolean): number {
    if (!this.writer) return this.opts.electMs ?? 2000;
    const workMs = this.#workMs;
    this.#wait = busy || this.#wait === 0 ? workMs : Math.min(Math.max(this.opts.idleMs ?? 1600, workMs), this.#wait * 2);
    return this.#wait;
  }

  #schedule(ms: number): void {
    this.#timer = this.#timers.set(() => {
      this.#tick = this.#run();
    }, ms);
  }

  /** Stops the ticks, lets a running one end, runs `finish` (still as the writer, if it was), then gives the lease back. */
  async close(finish?: () => Promise<void>): Promise<void> {
    this.#closed = true;
    this.#timers.clear(this.#timer);
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
