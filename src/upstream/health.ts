// How one upstream is doing, for failover: its latency (a moving average of the time to response headers)
// and background probes. An open circuit is probed once its cooldown is over and closes as soon as the
// upstream answers again, without waiting for a client to risk a request; idle members of a `|` group are
// probed now and then, so that a recovered or faster upstream is noticed.
import type { Logger } from 'pino';
import type { CircuitBreaker } from './circuit-breaker.js';
import type { FetchMetrics, FetcherRole } from './fetch-metrics.js';
import type { SourceHealth } from './source.js';

export interface HealthOptions {
  /** How often an idle member of a `|` group is probed for its latency; 0: never. */
  readonly probeIntervalMs: number;
  readonly now?: () => number;
  /** What the log lines call the server (default `upstream`): `feed` for a followed index feed, as HttpFetcher's own do. */
  readonly role?: FetcherRole;
}

/** One cheap request; resolves with the time to its headers (ms) when the upstream answered below 500. */
export type Probe = () => Promise<number>;

/** Weight of a new sample in the moving average. */
const ALPHA = 0.3;

export class UpstreamHealth implements SourceHealth {
  private ewmaMs: number | undefined;
  private sampledAt = Number.NEGATIVE_INFINITY;
  private watched = false;
  private probing = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  private readonly role: FetcherRole;

  constructor(
    private readonly name: string,
    private readonly breaker: CircuitBreaker,
    private readonly probe: Probe,
    private readonly opts: HealthOptions,
    private readonly metrics?: FetchMetrics,
    private readonly log?: Logger,
  ) {
    this.now = opts.now ?? Date.now;
    this.role = opts.role ?? 'upstream';
  }

  /** The time an answer's headers took (also for timeouts: a slow upstream moves down its group). */
  sample(ms: number): void {
    this.ewmaMs = this.ewmaMs === undefined ? ms : this.ewmaMs + ALPHA * (ms - this.ewmaMs);
    this.sampledAt = this.now();
    this.metrics?.averageLatency(this.ewmaMs / 1000);
  }

  /** Closed circuits first, then by latency on a log₂ scale (near-equal upstreams keep the user's order), unmeasured last. */
  rank(): number {
    const down = this.breaker.state === 'closed' ? 0 : 1000;
    return down + (this.ewmaMs === undefined ? 999 : Math.floor(Math.log2(1 + this.ewmaMs)));
  }

  describe(): string {
    const ms = this.ewmaMs === undefined ? 'unmeasured' : `${Math.round(this.ewmaMs)} ms`;
    return `${this.name} (circuit ${this.breaker.state}, latency ${ms})`;
  }

  watch(): void {
    this.watched = true;
    this.schedule();
  }

  /** Plans the next probe: an open circuit's after its cooldown; a watched idle upstream's after the interval. */
  schedule(): void {
    if (this.stopped || this.probing) return;
    let wait = Number.POSITIVE_INFINITY;
    // Half-open: a request is probing right now; its outcome changes the state, which plans again.
    if (this.breaker.state === 'open') wait = this.breaker.retryInMs();
    else if (this.breaker.state === 'closed' && this.watched && this.opts.probeIntervalMs > 0)
      wait = Math.max(0, this.sampledAt + this.opts.probeIntervalMs - this.now());
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!Number.isFinite(wait)) return;
    this.timer = setTimeout(() => void this.tick(), Math.min(wait, 2 ** 31 - 1));
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const state = this.breaker.state;
    // An open circuit: take the one probe slot. Closed: only when real traffic has not measured it lately.
    const due = state === 'open' ? this.breaker.allow() : state === 'closed' && this.now() - this.sampledAt >= this.opts.probeIntervalMs;
    if (!due) return this.schedule();
    this.probing = true;
    try {
      this.sample(await this.probe());
      this.metrics?.probe('ok');
      if (state === 'open') this.log?.info({ [this.role]: this.name, latencyMs: Math.round(this.ewmaMs ?? 0) }, `${this.role} answered a probe`);
      this.breaker.success();
    } catch (err) {
      this.metrics?.probe('failed');
      this.log?.info({ [this.role]: this.name, err: (err as Error).message }, `${this.role} probe failed`);
      // A latency probe's failure counts once (the probe's path may be what fails), an open circuit's re-opens it.
      this.breaker.failure(state === 'open' ? undefined : 'probe', `probe: ${(err as Error).message}`);
    } finally {
      this.probing = false;
      this.schedule();
    }
  }
}
