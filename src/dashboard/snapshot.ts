// The dashboard's view of one process's counters: a compact copy of the Prometheus metrics the hit path
// already keeps (read every few seconds, never per request), and how copies from several workers add up.
import type { Metrics } from '../metrics.js';
import type { Totals } from './api-types.js';

export interface UpstreamCounters {
  /** Upstream requests that got response headers (the latency histogram's count). */
  readonly requests: number;
  /** Their summed time to response headers. */
  readonly seconds: number;
  readonly errors: number;
  /** 0 closed, 1 half-open, 2 open (over workers: the worst). */
  readonly circuit: number;
}

/** Counters summed since start (the contract's Totals), and per upstream. */
export interface Snapshot extends Totals {
  readonly upstreams: Readonly<Record<string, UpstreamCounters>>;
}

/** Endpoints whose requests count as traffic: the GOPROXY protocol and the checksum-database routes. */
const TRAFFIC = new Set(['list', 'info', 'mod', 'zip', 'latest', 'sumdb']);

type Values = ReadonlyArray<{ readonly value: number; readonly labels: Readonly<Record<string, string | number | undefined>>; readonly metricName?: string }>;

const sum = (values: Values, keep: (labels: Values[number]['labels']) => boolean = () => true): number =>
  values.reduce((n, v) => (keep(v.labels) ? n + v.value : n), 0);

export async function readSnapshot(metrics: Metrics): Promise<Snapshot> {
  const [requests, cache, bytes, fills, latency, upErrors, circuit, verify] = await Promise.all([
    metrics.requests.get(),
    metrics.cache.get(),
    metrics.bytesServed.get(),
    metrics.fillsInFlight.get(),
    metrics.upstreamLatency.get(),
    metrics.upstreamErrors.get(),
    metrics.circuitState.get(),
    metrics.sumdbVerifications.get(),
  ]);
  const traffic = (l: Values[number]['labels']) => TRAFFIC.has(String(l.endpoint));
  const upstreams: Record<string, { requests: number; seconds: number; errors: number; circuit: number }> = {};
  const up = (name: unknown) => (upstreams[String(name)] ??= { requests: 0, seconds: 0, errors: 0, circuit: 0 });
  for (const v of circuit.values) up(v.labels.upstream).circuit = v.value;
  for (const v of latency.values) {
    if (v.metricName?.endsWith('_count')) up(v.labels.upstream).requests += v.value;
    else if (v.metricName?.endsWith('_sum')) up(v.labels.upstream).seconds += v.value;
  }
  for (const v of upErrors.values) up(v.labels.upstream).errors += v.value;
  return {
    requests: sum(requests.values, traffic),
    errors: sum(requests.values, (l) => traffic(l) && Number(l.status) >= 500),
    hits: sum(cache.values, (l) => l.result === 'hit'),
    misses: sum(cache.values, (l) => l.result === 'miss'),
    stale: sum(cache.values, (l) => l.result === 'stale'),
    bytes: sum(bytes.values, traffic),
    fillsInFlight: sum(fills.values),
    verified: sum(verify.values, (l) => l.result === 'ok'),
    mismatches: sum(verify.values, (l) => l.result === 'mismatch'),
    verifyErrors: sum(verify.values, (l) => l.result === 'error'),
    upstreams,
  };
}

export const EMPTY_SNAPSHOT: Snapshot = {
  requests: 0,
  errors: 0,
  hits: 0,
  misses: 0,
  stale: 0,
  bytes: 0,
  fillsInFlight: 0,
  verified: 0,
  mismatches: 0,
  verifyErrors: 0,
  upstreams: {},
};

const COUNTERS = ['requests', 'errors', 'hits', 'misses', 'stale', 'bytes', 'verified', 'mismatches', 'verifyErrors'] as const;
const NO_UPSTREAM: UpstreamCounters = { requests: 0, seconds: 0, errors: 0, circuit: 0 };

type Op = (x: number, y: number) => number;

/** Combines two snapshots field by field, with one rule for counters, one for the gauge, one for circuit states. */
function combine(a: Snapshot, b: Snapshot, counter: Op, gauge: Op, circuit: Op): Snapshot {
  const out = { fillsInFlight: gauge(a.fillsInFlight, b.fillsInFlight) } as Record<keyof Snapshot, number>;
  for (const k of COUNTERS) out[k] = counter(a[k], b[k]);
  const upstreams: Record<string, UpstreamCounters> = {};
  for (const name of new Set([...Object.keys(a.upstreams), ...Object.keys(b.upstreams)])) {
    const x = a.upstreams[name] ?? NO_UPSTREAM;
    const y = b.upstreams[name] ?? NO_UPSTREAM;
    upstreams[name] = {
      requests: counter(x.requests, y.requests),
      seconds: counter(x.seconds, y.seconds),
      errors: counter(x.errors, y.errors),
      circuit: circuit(x.circuit, y.circuit),
    };
  }
  return { ...(out as Omit<Snapshot, 'upstreams'>), upstreams };
}

const add: Op = (x, y) => x + y;
const first: Op = (x) => x;

/** The whole server from its workers: counters and fills in flight add up; a circuit is as bad as the worst worker sees it. */
export function addSnapshots(parts: readonly Snapshot[]): Snapshot {
  return parts.reduce((acc, s) => combine(acc, s, add, add, Math.max), EMPTY_SNAPSHOT);
}

/** What happened between two snapshots of one process; a counter that went down means the process restarted. */
export function delta(now: Snapshot, before: Snapshot | undefined): Snapshot {
  if (before === undefined) return now;
  return combine(now, before, (x, y) => (x >= y ? x - y : x), first, first);
}

/** Two consecutive intervals as one: counters add up, the gauge keeps its peak, circuits the later state. */
export function accumulate(a: Snapshot, b: Snapshot): Snapshot {
  return combine(a, b, add, Math.max, (_x, y) => y);
}
