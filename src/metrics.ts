// Prometheus metrics, one registry per server instance so tests can run several side by side.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How often the event loop's lag is sampled (prom-client's default, 10 ms, woke an idle server 100 times a
 * second for 1 % of a core). A sample is how late a timer due then fires: a stall longer than this is always
 * caught, shorter ones in proportion to their length, so max and the percentiles still show stalls that
 * matter, from 600 samples a minute, and the last tick's `nodejs_eventloop_lag_seconds` is unchanged.
 */
export const LAG_SAMPLE_MS = 100;

/** Seconds to an answer's headers, from a local mirror's few milliseconds to a slow upstream's half a minute. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'gomodproxy_http_requests_total',
    help: 'HTTP requests by endpoint and status code',
    labelNames: ['endpoint', 'status'] as const,
    registers: [this.registry],
  });
  readonly bytesServed = new Counter({
    name: 'gomodproxy_http_response_bytes_total',
    help: 'Response body bytes sent, by endpoint',
    labelNames: ['endpoint'] as const,
    registers: [this.registry],
  });
  readonly cache = new Counter({
    name: 'gomodproxy_cache_requests_total',
    help: 'Cache lookups by endpoint and result (hit, miss, stale)',
    labelNames: ['endpoint', 'result'] as const,
    registers: [this.registry],
  });
  readonly fillsInFlight = new Gauge({
    name: 'gomodproxy_fills_in_flight',
    help: 'Cache fills from upstream currently running',
    registers: [this.registry],
  });
  readonly upstreamLatency = new Histogram({
    name: 'gomodproxy_upstream_request_duration_seconds',
    help: 'Time to response headers from an upstream, by upstream and endpoint',
    labelNames: ['upstream', 'endpoint'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({
    name: 'gomodproxy_upstream_errors_total',
    help: 'Upstream failures by upstream and kind (timeout, network, status, bad_content, circuit_open)',
    labelNames: ['upstream', 'kind'] as const,
    registers: [this.registry],
  });
  readonly circuitState = new Gauge({
    name: 'gomodproxy_upstream_circuit_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open',
    labelNames: ['upstream'] as const,
    // Over worker processes: the worst state any of them sees.
    aggregator: 'max',
    registers: [this.registry],
  });

  readonly coordinatorUnavailable = new Counter({
    name: 'gomodproxy_coordinator_unavailable_total',
    help: 'Operations that went on without the coordinator because it was unreachable (degraded), by operation',
    labelNames: ['op'] as const,
    registers: [this.registry],
  });

  readonly sumdbVerifications = new Counter({
    name: 'gomodproxy_sumdb_verifications_total',
    help: 'Checksum-database checks of filled .mod/.zip files, by database and result (ok, mismatch, unknown, error, skipped)',
    labelNames: ['db', 'result'] as const,
    registers: [this.registry],
  });
  readonly sumdbVerifySeconds = new Histogram({
    name: 'gomodproxy_sumdb_verify_duration_seconds',
    help: 'Time spent proving one module hash against a checksum database',
    labelNames: ['db'] as const,
    buckets: [0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly sumdbSecurityErrors = new Counter({
    name: 'gomodproxy_sumdb_security_errors_total',
    help: 'Forked or rolled-back checksum-database logs detected (verification against that database stops)',
    labelNames: ['db'] as const,
    registers: [this.registry],
  });

  readonly backendAvailable = new Gauge({
    name: 'gomodproxy_backend_available',
    help: 'Whether a shared backend answers (1) or not (0, degraded or unready), by backend (coordinator, storage)',
    labelNames: ['backend'] as const,
    // Over worker processes: down if any of them sees it down.
    aggregator: 'min',
    registers: [this.registry],
  });
  readonly upstreamProbes = new Counter({
    name: 'gomodproxy_upstream_probes_total',
    help: 'Background probes of upstreams (open circuits, idle members of a | group), by upstream and result (ok, failed)',
    labelNames: ['upstream', 'result'] as const,
    registers: [this.registry],
  });
  readonly upstreamLatencyAverage = new Gauge({
    name: 'gomodproxy_upstream_latency_average_seconds',
    help: 'Moving average of the time to response headers per upstream; a | group asks its fastest member first',
    labelNames: ['upstream'] as const,
    aggregator: 'average',
    registers: [this.registry],
  });
  readonly fillDeadlines = new Counter({
    name: 'gomodproxy_fill_deadline_exceeded_total',
    help: 'Fills stopped because the upstream sent the answer too slowly (--fill-deadline, --fill-min-rate), by upstream',
    labelNames: ['upstream'] as const,
    registers: [this.registry],
  });
  readonly localFailures = new Counter({
    name: 'gomodproxy_local_failures_total',
    help: "Failures of the proxy's own storage (a full disk, no file descriptor left), by error code and system reason (ENOSPC, EDQUOT, EMFILE); logged once per run",
    labelNames: ['code', 'reason'] as const,
    registers: [this.registry],
  });
  readonly auditDropped = new Counter({
    name: 'gomodproxy_audit_dropped_total',
    help: 'Audit events that could not be written to --audit-log (a full disk); the file says how many in an audit.dropped line once it takes writes again',
    registers: [this.registry],
  });
  readonly storeBytes = new Gauge({
    name: 'gomodproxy_cache_store_bytes',
    help: 'Bytes in the module cache at the last eviction check (with --cache-max-size, or when --cache-min-free found the disk short)',
    // Over worker processes: the evictor's view, not a sum of copies.
    aggregator: 'max',
    registers: [this.registry],
  });
  readonly evicted = new Counter({
    name: 'gomodproxy_cache_evicted_total',
    help: 'Zips evicted from the module cache (their .mod, .info and h1 stay)',
    registers: [this.registry],
  });
  readonly evictedBytes = new Counter({
    name: 'gomodproxy_cache_evicted_bytes_total',
    help: 'Bytes of zips evicted from the module cache',
    registers: [this.registry],
  });
  readonly protectedVersions = new Gauge({
    name: 'gomodproxy_cache_protected_versions',
    help: 'Module versions never evicted, by reason (pinned, bundled), at the last eviction check',
    labelNames: ['reason'] as const,
    aggregator: 'max',
    registers: [this.registry],
  });
  readonly followEntries = new Counter({
    name: 'gomodproxy_follow_entries_total',
    help: 'Entries of followed index feeds by feed and result (stored, present, gone, denied, denied_upstream, failed, ignored, invalid, private)',
    labelNames: ['feed', 'result'] as const,
    registers: [this.registry],
  });
  readonly followErrors = new Counter({
    name: 'gomodproxy_follow_errors_total',
    help: 'Failures while following index feeds, by feed and kind (feed: reading it, fill: storing a version)',
    labelNames: ['feed', 'kind'] as const,
    registers: [this.registry],
  });
  readonly followRequestDuration = new Histogram({
    name: 'gomodproxy_follow_request_duration_seconds',
    help: "Time to response headers of a followed feed's pages, by feed (not counted as an upstream's requests)",
    labelNames: ['feed'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [this.registry],
  });
  readonly followLag = new Gauge({
    name: 'gomodproxy_follow_lag_seconds',
    help: 'Per followed feed: the newest entry seen minus the newest entry stored with everything before it',
    labelNames: ['feed'] as const,
    // Over worker processes: only the one following the feed knows; the others report nothing or 0.
    aggregator: 'max',
    registers: [this.registry],
  });
  readonly followRefused = new Gauge({
    name: 'gomodproxy_follow_refused',
    help: 'Per followed feed: 1 while the parent refuses this follower (401 or 403: credentials to fix), else 0',
    labelNames: ['feed'] as const,
    // Over worker processes: only the one following the feed knows; the others report nothing.
    aggregator: 'max',
    registers: [this.registry],
  });
  readonly readAhead = new Counter({
    name: 'gomodproxy_read_ahead_total',
    help: 'Files (go.mod, .info, zip) read ahead of the go command, by result (filled: now cached, failed, dropped: the queue was full)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'gomodproxy_', eventLoopMonitoringPrecision: LAG_SAMPLE_MS });
  }
}

// Tallies: counters bumped on every hit, summed in plain numbers: prom-client's inc() hashes and checks the labels
// each time (4.8 % of a worker's CPU under warm `.info` hits, bench/profile.ts). A tally adds to a number;
// the sums reach the counter when it is read, through its collect hook, which prom-client runs on every
// read (/metrics, the primary summing its workers, the dashboard).

export interface Tally {
  inc(n?: number): void;
}

interface Pending<L extends string> {
  readonly labels: Partial<Record<L, string | number>>;
  n: number;
}

const tallies = new WeakMap<object, Map<string, Pending<string>>>();

/** A child of `counter` for `labels` that adds locally until the counter is read. */
export function tally<L extends string>(counter: Counter<L>, labels: Partial<Record<L, string | number>>): Tally {
  let byLabels = tallies.get(counter) as Map<string, Pending<L>> | undefined;
  if (byLabels === undefined) {
    const mine = new Map<string, Pending<L>>();
    byLabels = mine;
    tallies.set(counter, mine as unknown as Map<string, Pending<string>>);
    const c = counter as unknown as { collect?: () => unknown };
    const before = c.collect;
    c.collect = function (this: unknown) {
      for (const p of mine.values()) {
        if (p.n === 0) continue;
        const n = p.n;
        p.n = 0;
        counter.inc(p.labels, n);
      }
      return before?.call(this);
    };
  }
  const key = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  let p = byLabels.get(key);
  if (p === undefined) byLabels.set(key, (p = { labels, n: 0 }));
  const pending = p;
  return {
    inc(n = 1) {
      if (!(n >= 0) || !Number.isFinite(n)) throw new TypeError(`a counter only grows by a finite amount, not ${n}`);
      pending.n += n;
    },
  };
}
