// The time series behind the Ops view: each sample is what happened since the previous one, summed over
// every process (workers restart, so each one's counters are compared with its own last copy), kept in two
// fixed rings, fine-grained for the last minutes and per minute for the last day. Memory stays constant.
import type { Snapshot } from './snapshot.js';
import { EMPTY_SNAPSHOT, accumulate, addSnapshots, delta } from './snapshot.js';

export interface TimelineOptions {
  readonly fineMs: number;
  readonly fineSize: number;
  readonly coarseMs: number;
  readonly coarseSize: number;
}

/** 5 s samples for 30 minutes, 1 min samples for 24 hours: about 1800 small objects in all. */
export const DEFAULT_TIMELINE: TimelineOptions = { fineMs: 5000, fineSize: 360, coarseMs: 60_000, coarseSize: 1440 };

export type Window = 'minutes' | 'hours';

interface Sample {
  /** Start of the interval (ms). */
  readonly t: number;
  readonly d: Snapshot;
}

/** A fixed-size ring: pushing past its size drops the oldest. */
export class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(private readonly size: number) {}

  push(item: T): void {
    if (this.items.length < this.size) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.size ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

export interface UpstreamSeries {
  /** Mean time to response headers in the interval (ms); null without requests. */
  readonly latencyMs: Array<number | null>;
  readonly errors: number[];
}

/** Columns, one value per interval, ready for a chart (uPlot takes exactly this shape). */
export interface Series {
  readonly intervalMs: number;
  /** Interval starts, Unix seconds. */
  readonly t: number[];
  readonly requests: number[];
  readonly hits: number[];
  readonly misses: number[];
  /** hits / (hits + misses); null without cache lookups. */
  readonly hitRatio: Array<number | null>;
  readonly errors: number[];
  readonly bytes: number[];
  /** Peak fills in flight seen at the samples of the interval. */
  readonly fills: number[];
  readonly verified: number[];
  readonly mismatches: number[];
  readonly upstreams: Record<string, UpstreamSeries>;
}

export class Timeline {
  private last = new Map<string, Snapshot>();
  private readonly fine: Ring<Sample>;
  private readonly coarse: Ring<Sample>;
  private bucket: Sample | undefined;
  private total: Snapshot = EMPTY_SNAPSHOT;

  constructor(readonly options: TimelineOptions = DEFAULT_TIMELINE) {
    this.fine = new Ring(options.fineSize);
    this.coarse = new Ring(options.coarseSize);
  }

  /** Adds the snapshots taken at `at`, by process id; processes missing from `parts` are gone. */
  add(at: number, parts: ReadonlyMap<string, Snapshot>): void {
    const d = addSnapshots([...parts].map(([id, s]) => delta(s, this.last.get(id))));
    this.last = new Map(parts);
    this.total = accumulate(this.total, d);
    this.fine.push({ t: at - this.options.fineMs, d });
    const start = Math.floor(at / this.options.coarseMs) * this.options.coarseMs;
    if (this.bucket !== undefined && this.bucket.t !== start) {
      this.coarse.push(this.bucket);
      this.bucket = undefined;
    }
    this.bucket = this.bucket === undefined ? { t: start, d } : { t: start, d: accumulate(this.bucket.d, d) };
  }

  /**
   * Everything counted since the timeline started (over processes that restarted, too) up to the snapshots
   * just taken, without adding a sample: fills in flight and circuit states are as they are now.
   */
  now(parts: ReadonlyMap<string, Snapshot>): Snapshot {
    const pending = addSnapshots([...parts].map(([id, s]) => delta(s, this.last.get(id))));
    return { ...accumulate(this.total, pending), fillsInFlight: pending.fillsInFlight };
  }

  series(window: Window): Series {
    const minutes = window === 'minutes';
    const samples = minutes ? this.fine.toArray() : [...this.coarse.toArray(), ...(this.bucket === undefined ? [] : [this.bucket])];
    const col = (f: (d: Snapshot) => number) => samples.map((s) => f(s.d));
    const names = new Set(samples.flatMap((s) => Object.keys(s.d.upstreams)));
    const upstreams: Record<string, UpstreamSeries> = {};
    for (const name of names) {
      upstreams[name] = {
        latencyMs: samples.map((s) => {
          const u = s.d.upstreams[name];
          return u === undefined || u.requests === 0 ? null : Math.round((u.seconds / u.requests) * 10000) / 10;
        }),
        errors: samples.map((s) => s.d.upstreams[name]?.errors ?? 0),
      };
    }
    return {
      intervalMs: minutes ? this.options.fineMs : this.options.coarseMs,
      t: samples.map((s) => Math.round(s.t / 1000)),
      requests: col((d) => d.requests),
      hits: col((d) => d.hits),
      misses: col((d) => d.misses),
      hitRatio: samples.map((s) => (s.d.hits + s.d.misses === 0 ? null : s.d.hits / (s.d.hits + s.d.misses))),
      errors: col((d) => d.errors),
      bytes: col((d) => d.bytes),
      fills: col((d) => d.fillsInFlight),
      verified: col((d) => d.verified),
      mismatches: col((d) => d.mismatches),
      upstreams,
    };
  }
}
