// The replicas suite's cold parts: a herd of concurrent requests for one uncached zip spread over a
// cluster's replicas (upstream fetches, time to last byte), and `go mod download` of the benchmark graph
// through a fresh cluster against the go command straight at the upstream.
import path from 'node:path';
import { timedDownload } from './cold.js';
import { DeferredRemovals } from './removals.js';
import type { ColdResult } from './cold.js';
import type { BenchContext } from './context.js';
import { mainGoMod } from './fixtures.js';
import type { ModuleSpec } from './fixtures.js';
import type { Nginx } from './nginx.js';
import { rawGet } from './raw-get.js';
import type { RawAnswer } from './raw-get.js';
import { clusterName, startCluster } from './replica-cluster.js';
import type { Cluster, ClusterSite } from './replica-cluster.js';
import { median } from './util.js';
import { rotate } from './warm.js';

/** As many as test/replicas-ha.test.ts sends, where CI once saw one 502. */
export const HERD_REQUESTS = 300;
export const herdModule = (replicas: number): string => `bench.example/replicaherd${replicas}`;

export interface ReplicaHerd {
  readonly cluster: string;
  readonly requests: number;
  readonly zipBytes: number;
  readonly ok: number;
  /** 200 with a body as long as its Content-Length. */
  readonly complete: number;
  /** Statuses other than 200 (0: the connection failed), with how often. */
  readonly otherStatuses: Record<string, number>;
  readonly upstreamFetches: number;
  /** Seconds from the first request sent to the last byte received, and the median request's. */
  readonly lastByteSeconds: number;
  readonly medianSeconds: number;
  /** Herd requests each replica answered 200 (from its /metrics). */
  readonly servedPerReplica: number[];
}

async function zipsServed(url: string): Promise<number> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  return Number(/gomodproxy_http_requests_total\{endpoint="zip",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
}

export async function replicaHerd(ctx: BenchContext, c: Cluster, upstream: Nginx, size: number, zipBytes: number, requests: number): Promise<ReplicaHerd> {
  const zip = `/${herdModule(size)}/@v/v1.0.0.zip`;
  const before = await Promise.all(c.replicas.map((r) => zipsServed(r.url)));
  const failed: RawAnswer = { status: 0, bodyBytes: 0, contentLength: -1, ms: NaN };
  const start = performance.now();
  const answers = await Promise.all(Array.from({ length: requests }, () => rawGet(c.url, zip).catch(() => failed)));
  const lastByteSeconds = (performance.now() - start) / 1000;
  const otherStatuses: Record<string, number> = {};
  for (const a of answers) if (a.status !== 200) otherStatuses[a.status] = (otherStatuses[a.status] ?? 0) + 1;
  const after = await Promise.all(c.replicas.map((r) => zipsServed(r.url)));
  const h: ReplicaHerd = {
    cluster: c.name,
    requests,
    zipBytes,
    ok: answers.filter((a) => a.status === 200).length,
    complete: answers.filter((a) => a.status === 200 && a.bodyBytes === a.contentLength).length,
    otherStatuses,
    upstreamFetches: await upstream.countRequests(zip),
    lastByteSeconds,
    medianSeconds: median(answers.map((a) => a.ms)) / 1000,
    servedPerReplica: after.map((n, i) => n - (before[i] as number)),
  };
  ctx.log(
    `replicas herd, ${c.name}: ${h.ok}/${requests} 200 (${h.complete} complete), ${h.upstreamFetches} upstream fetch(es), last byte after ${lastByteSeconds.toFixed(2)} s`,
  );
  return h;
}

/** The cold suite's record, with variants named 'direct' (the go command straight at the upstream), then one per cluster size. */
export interface ReplicaCold extends Omit<ColdResult, 'variants'> {
  readonly variants: readonly string[];
  /** Requests the upstream saw per run through each cluster (median): one per artifact means no duplicate fill. */
  readonly upstreamRequests: Record<string, number>;
}

/** One round robin of timed downloads per round, each cluster fresh (empty bucket prefix, empty disks). */
export async function replicaCold(
  ctx: BenchContext,
  site: ClusterSite,
  upstream: Nginx,
  dir: string,
  sizes: readonly number[],
  graph: readonly ModuleSpec[],
): Promise<ReplicaCold> {
  const goMod = mainGoMod(graph);
  const variants = ['direct', ...sizes.map(clusterName)];
  const runs: Array<Record<string, number>> = [];
  const fetched: Record<string, number[]> = {};
  // Module caches go after the last timed run (removals.ts says why).
  const removals = new DeferredRemovals();
  // One untimed pass warms the page cache and the go binary for every variant alike.
  try {
    await timedDownload(goMod, site.upstream, {}, removals);
    for (let i = 0; i < ctx.coldRuns; i++) {
      const round: Record<string, number> = {};
      for (const v of rotate(variants, i)) {
        const size = sizes.find((n) => clusterName(n) === v);
        if (size === undefined) {
          round[v] = await timedDownload(goMod, site.upstream, {}, removals);
          continue;
        }
        const c = await startCluster(site, size, path.join(dir, `cold${i}-${size}`));
        try {
          const seen = await upstream.requestsSoFar();
          round[v] = await timedDownload(goMod, c.url, {}, removals);
          fetched[v] = [...(fetched[v] ?? []), (await upstream.requestsSoFar()) - seen];
        } finally {
          await c.stop();
        }
      }
      runs.push(round);
      ctx.log(`replicas cold ${i + 1}/${ctx.coldRuns}: ${variants.map((v) => `${v} ${round[v]?.toFixed(2)} s`).join(', ')}`);
    }
  } finally {
    await removals.now();
  }
  return {
    modules: graph.length / 2,
    versions: graph.length,
    variants,
    runs,
    seconds: Object.fromEntries(variants.map((v) => [v, median(runs.map((r) => r[v] as number))])),
    upstreamRequests: Object.fromEntries(Object.entries(fetched).map(([v, xs]) => [v, median(xs)])),
  };
}
