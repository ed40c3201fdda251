// What an HTTP fetcher reports about the server it asks. An upstream's requests, errors, circuit and probes are
// the gomodproxy_upstream_* series; a followed index feed is no upstream, so its polling (every --follow-interval)
// goes to a series of its own, and an operator's upstream dashboards show only what fills modules.
import type { Metrics } from '../metrics.js';

export type FetchErrorKind = 'timeout' | 'network' | 'status' | 'circuit_open';

/** What a fetcher asks: an upstream proxy, or a followed index feed (not an upstream: its own series and words). */
export type FetcherRole = 'upstream' | 'feed';

export interface FetchMetrics {
  /** Time to an answer's headers. */
  latency(endpoint: string, seconds: number): void;
  error(kind: FetchErrorKind): void;
  /** 0 closed, 1 half-open, 2 open. */
  circuit(state: 0 | 1 | 2): void;
  deadlineExceeded(): void;
  probe(result: 'ok' | 'failed'): void;
  averageLatency(seconds: number): void;
}

const NONE: FetchMetrics = {
  latency: () => undefined,
  error: () => undefined,
  circuit: () => undefined,
  deadlineExceeded: () => undefined,
  probe: () => undefined,
  averageLatency: () => undefined,
};

/** The series `name` reports to as an upstream, or as a followed feed (`role: 'feed'`). */
export function fetchMetrics(metrics: Metrics | undefined, name: string, role: FetcherRole): FetchMetrics {
  if (metrics === undefined) return NONE;
  if (role === 'feed') {
    // A page that cannot be read is counted where the follower counts it (gomodproxy_follow_errors_total{kind="feed"}).
    return { ...NONE, latency: (_endpoint, seconds) => metrics.followRequestDuration.observe({ feed: name }, seconds) };
  }
  const upstream = { upstream: name };
  return {
    latency: (endpoint, seconds) => metrics.upstreamLatency.observe({ ...upstream, endpoint }, seconds),
    error: (kind) => metrics.upstreamErrors.inc({ ...upstream, kind }),
    circuit: (state) => metrics.circuitState.set(upstream, state),
    deadlineExceeded: () => metrics.fillDeadlines.inc(upstream),
    probe: (result) => metrics.upstreamProbes.inc({ ...upstream, result }),
    averageLatency: (seconds) => metrics.upstreamLatencyAverage.set(upstream, seconds),
  };
}
