// The replicas suite: 1 and 3 replicas (deploy/gomodproxy@.service's command line, `--workers 1`) on S3
// (Swift) + PostgreSQL behind nginx (deploy/nginx.conf): warm throughput through nginx, a herd of cold
// requests for one zip across the replicas, and cold `go mod download` through each cluster.
import path from 'node:path';
import { privatePostgres } from '../test/helpers/postgres.js';
import { service } from '../test/helpers/services.js';
import type { BenchContext } from './context.js';
import { graphModules, writeModules } from './fixtures.js';
import type { ModuleSpec } from './fixtures.js';
import { startNginx } from './nginx.js';
import type { Nginx } from './nginx.js';
import { startCluster } from './replica-cluster.js';
import type { Cluster, ClusterSite, NginxTrouble } from './replica-cluster.js';
import { HERD_REQUESTS, herdModule, replicaCold, replicaHerd } from './replicas-cold.js';
import type { ReplicaCold, ReplicaHerd } from './replicas-cold.js';
import { median } from './util.js';
import { rotate } from './warm.js';
import { mbPerSec, reqPerSec, runWrk, writeWrkScript } from './wrk.js';
import type { WrkResult } from './wrk.js';

export const CLUSTER_SIZES = [1, 3] as const;

export interface ReplicaWarmRow {
  readonly cluster: string;
  readonly target: string;
  readonly connections: number;
  readonly reqPerSec: number;
  readonly mbPerSec: number;
  readonly p50ms: number;
  readonly p99ms: number;
  /** Socket errors and non-2xx answers over all runs. */
  readonly errors: number;
  /** CPU µs per request (median over runs): all replicas together, and nginx. */
  readonly replicaCpuUs: number;
  readonly nginxCpuUs: number;
  /** Requests that reached the upstream while this cell ran (0: every answer came from the bucket). */
  readonly upstreamRequests: number;
}

export interface ReplicasResult {
  readonly warm: ReplicaWarmRow[];
  readonly herd: ReplicaHerd[];
  readonly cold?: ReplicaCold;
  /** Per cluster: nginx's error log, and access-log lines of answers other than 200. */
  readonly nginx: Array<{ cluster: string } & NginxTrouble>;
}

const META = 'bench.example/replicameta';
const ZIP = 'bench.example/replicazip1mb';
const TARGETS = [
  { name: '.info', path: `/${META}/@v/v1.0.0.info` },
  { name: 'zip 1MB', path: `/${ZIP}/@v/v1.0.0.zip` },
];

interface Cell {
  runs: WrkResult[];
  replicaCpu: number[];
  nginxCpu: number[];
  upstream: number;
}

/** wrk through each cluster's nginx, clusters taking turns in rotating order; medians per cell. */
async function measureWarm(ctx: BenchContext, clusters: readonly Cluster[], upstream: Nginx, script: string): Promise<ReplicaWarmRow[]> {
  for (const c of clusters) {
    // The first request fills the bucket; a few more let every replica (round-robin) answer from it once.
    for (const t of TARGETS) for (let i = 0; i <= 2 * c.replicas.length; i++) await fetch(c.url + t.path).then((r) => r.arrayBuffer());
    // Each replica compiles its own hot path: every one gets the warm-up a single server gets.
    if (ctx.warmupSeconds > 0) for (const t of TARGETS) await runWrk(c.url + t.path, 64, ctx.warmupSeconds * c.replicas.length, script);
  }
  const cells = new Map<string, Cell>();
  for (let run = 0; run < ctx.runs; run++) {
    for (const t of TARGETS) {
      for (const n of ctx.connections) {
        for (const c of rotate(clusters, run + n)) {
          const [seen, cpu] = [await upstream.requestsSoFar(), await c.cpu()];
          const r = await runWrk(c.url + t.path, n, ctx.seconds, script);
          const used = await c.cpu();
          const k = `${c.name}|${t.name}|${n}`;
          const cell = cells.get(k) ?? { runs: [], replicaCpu: [], nginxCpu: [], upstream: 0 };
          cell.runs.push(r);
          cell.replicaCpu.push(used.replicas - cpu.replicas);
          cell.nginxCpu.push(used.nginx - cpu.nginx);
          cell.upstream += (await upstream.requestsSoFar()) - seen;
          cells.set(k, cell);
        }
        ctx.log(
          `replicas warm ${run + 1}/${ctx.runs} ${t.name} c=${n}: ${clusters.map((c) => `${c.name} ${Math.round(reqPerSec(cells.get(`${c.name}|${t.name}|${n}`)?.runs.at(-1) as WrkResult))}`).join(', ')} req/s`,
        );
      }
    }
  }
  const rows: ReplicaWarmRow[] = [];
  for (const t of TARGETS) {
    for (const n of ctx.connections) {
      for (const c of clusters) {
        const { runs, replicaCpu, nginxCpu, upstream: seen } = cells.get(`${c.name}|${t.name}|${n}`) as Cell;
        const perReq = (cpu: number[]) => median(runs.map((r, i) => ((cpu[i] ?? NaN) * 1e6) / r.requests));
        rows.push({
          cluster: c.name,
          target: t.name,
          connections: n,
          reqPerSec: median(runs.map(reqPerSec)),
          mbPerSec: median(runs.map(mbPerSec)),
          p50ms: median(runs.map((r) => r.p50Us / 1000)),
          p99ms: median(runs.map((r) => r.p99Us / 1000)),
          errors: runs.reduce((a, r) => a + r.errors + r.non2xx, 0),
          replicaCpuUs: perReq(replicaCpu),
          nginxCpuUs: perReq(nginxCpu),
          upstreamRequests: seen,
        });
      }
    }
  }
  return rows;
}

export async function runReplicas(ctx: BenchContext): Promise<ReplicasResult> {
  const dir = path.join(ctx.tmp, 'replicas');
  const files = path.join(dir, 'goproxy');
  const herdBytes = Math.min(ctx.herdZipBytes, 10 << 20);
  const graph = graphModules(ctx.graphSize);
  const mods: ModuleSpec[] = [
    { path: META, version: 'v1.0.0', zipBytes: 1024 },
    { path: ZIP, version: 'v1.0.0', zipBytes: 1 << 20 },
    ...CLUSTER_SIZES.map((n) => ({ path: herdModule(n), version: 'v1.0.0', zipBytes: herdBytes })),
    ...graph,
  ];
  ctx.log(`replicas: writing ${mods.length} module versions; starting Swift (S3) and PostgreSQL`);
  await writeModules(files, mods);
  const script = await writeWrkScript(dir);
  const keys = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'GMP_TEST_S3_BUCKET'];
  const s3 = await service('s3', keys);
  const pg = await privatePostgres();
  const upstream = await startNginx(path.join(dir, 'upstream'), files, { accessLog: true });
  const s3Env = Object.fromEntries(Object.entries(s3).filter(([k]) => k.startsWith('AWS_')));
  const site: ClusterSite = { s3Env, bucket: s3.GMP_TEST_S3_BUCKET as string, coordinator: pg.url, upstream: upstream.url, proxyFlags: ctx.proxyFlags };
  const clusters: Cluster[] = [];
  const nginx: ReplicasResult['nginx'] = [];
  try {
    for (const n of CLUSTER_SIZES) clusters.push(await startCluster(site, n, path.join(dir, `cluster${n}`)));
    ctx.log(`replicas: ${clusters.map((c) => `${c.name} behind ${c.url}`).join(', ')}`);
    const herd: ReplicaHerd[] = [];
    for (const [i, c] of clusters.entries()) herd.push(await replicaHerd(ctx, c, upstream, CLUSTER_SIZES[i] as number, herdBytes, HERD_REQUESTS));
    const warm = await measureWarm(ctx, clusters, upstream, script);
    for (const c of clusters) nginx.push({ cluster: c.name, ...(await c.nginxTrouble()) });
    const cold = await replicaCold(ctx, site, upstream, dir, CLUSTER_SIZES, graph).catch((err: Error) => {
      ctx.log(`replicas cold failed: ${err.message}`);
      return undefined;
    });
    return { warm, herd, cold, nginx };
  } finally {
    for (const c of clusters) await c.stop();
    await upstream.stop();
    await pg.destroy();
  }
}
