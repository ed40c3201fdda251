// Whether a shared backend (the coordinator, the storage) answers now. Real calls report their outcome; a
// probe runs often while the backend is down (so the state recovers by itself, with or without traffic)
// and now and then while it is up (so an idle replica notices an outage before its next request does).
import { within } from '../bounded-wait.js';

export interface AvailabilityOptions {
  /** Told once per change, with the reason of an outage. */
  readonly onChange?: (up: boolean, reason: string | undefined) => void;
  /** Probe interval while down (default 1 s) and while up (default 10 s). */
  readonly downProbeMs?: number;
  readonly upProbeMs?: number;
  /**
   * How long a probe may take before the backend counts as down (default 5 s): one that accepts connections
   * and never answers is an outage too, and the clients' own timeouts and retries would hide it for a minute.
   */
  readonly probeTimeoutMs?: number;
}

export class Availability {
  #up = true;
  #reason: string | undefined;
  #since = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #stopped = true;

  constructor(
    /** What it is, for /readyz and logs: `coordinator`, `storage`. */
    readonly component: string,
    /** A cheap round trip; the signal aborts it when it takes longer than probeTimeoutMs. */
    private readonly probe: (signal: AbortSignal) => Promise<unknown>,
    private readonly options: AvailabilityOptions = {},
  ) {}

  get up(): boolean {
    return this.#up;
  }

  /** Why it is down (never with credentials: backends keep them out of their messages). */
  get reason(): string | undefined {
    return this.#reason;
  }

  /** Since when it is in its current state (ms). */
  get since(): number {
    return this.#since;
  }

  ok(): void {
    if (this.#up) return;
    this.#up = true;
    this.#reason = undefined;
    this.#since = Date.now();
    this.options.onChange?.(true, undefined);
    this.#schedule();
  }

  failed(reason: string): void {
    if (!this.#up) {
      this.#reason = reason;
      return;
    }
    this.#up = false;
    this.#reason = reason;
    this.#since = Date.now();
    this.options.onChange?.(false, reason);
    this.#schedule();
  }

  /** Runs the probe once now and reports its outcome; a probe without an answer in time is a failure. */
  async check(): Promise<boolean> {
    const ms = this.options.probeTimeoutMs ?? 5000;
    const abort = new AbortController();
    try {
      await within(this.probe(abort.signal), ms, () => {
        const err = new Error(`no answer within ${ms} ms`);
        abort.abort(err);
        throw err;
      });
      this.ok();
    } catch (err) {
      this.failed(err instanceof Error ? err.message : String(err));
    }
    return this.#up;
  }

  /** Starts probing in the background (the timer never keeps the process alive). */
  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const ms = this.#up ? (this.options.upProbeMs ?? 10_000) : (this.options.downProbeMs ?? 1000);
    this.#timer = setTimeout(() => void this.check().finally(() => this.#schedule()), ms).unref();
  }
}
