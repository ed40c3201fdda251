// Clusters for the replicas suite: n gomodproxy replicas on deploy/gomodproxy@.service's command line (run
// from bin/gomodproxy.js, as users run it) sharing one fresh S3 prefix and one PostgreSQL, behind nginx
// running deploy/nginx.conf (the same pieces test/replicas-ha.test.ts runs, from test/helpers/replica-cluster.ts).
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startNginx, unitFlags } from '../test/helpers/replica-cluster.js';
import { BIN, serverEnv } from './gomodproxy.js';
import { treeCpuSeconds } from './proc.js';
import { spawnServer } from './spawn-server.js';
import type { Spawned } from './spawn-server.js';
import { freePort } from './util.js';

/** What every replica of every cluster shares. */
export interface ClusterSite {
  /** AWS_* settings of the S3 endpoint (Swift from .ci/services/s3.sh). */
  readonly s3Env: Record<string, string>;
  readonly bucket: string;
  /** `--coordinator` URL (postgres://…). */
  readonly coordinator: string;
  /** `--upstream`: the benchmark's file-serving nginx. */
  readonly upstream: string;
  /** Extra `serve` flags from `--proxy-flag`. */
  readonly proxyFlags: readonly string[];
}

export interface NginxTrouble {
  readonly errors: string[];
  readonly failed: string[];
  readonly clientClosed: number;
}

export interface Cluster {
  readonly name: string;
  /** nginx's address: what clients use. */
  readonly url: string;
  readonly replicas: readonly Spawned[];
  /** CPU seconds used so far by the replicas (summed) and by nginx. */
  cpu(): Promise<{ replicas: number; nginx: number }>;
  /**
   * nginx's error log (warn and above), access-log lines whose status was neither 200 nor 499, and the
   * count of 499s (the client closed first: wrk stopping in the middle of answers at the end of a run).
   */
  nginxTrouble(): Promise<NginxTrouble>;
  stop(): Promise<void>;
}

/** Lines of a log that pass `keep`, streamed: wrk leaves millions of lines in the access log. */
async function linesOf(file: string, keep: (line: string) => boolean): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY }))
      if (line !== '' && keep(line)) out.push(line);
  } catch {
    // no log yet
  }
  return out;
}

export const clusterName = (n: number): string => `${n} replica${n === 1 ? '' : 's'}`;

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

async function startReplica(site: ClusterSite, storage: string, root: string): Promise<Spawned> {
  const port = await freePort();
  const settings = { storage, 's3-force-path-style': 'on', coordinator: site.coordinator, upstream: site.upstream, sumdb: 'off' };
  const flags = { ...(await unitFlags(port, root)), ...settings };
  const args = [BIN, 'serve', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]), ...site.proxyFlags];
  return spawnServer({ name: `replica on ${port}`, cmd: process.execPath, args, port, readyPath: '/healthz', env: serverEnv(site.s3Env) });
}

/** n replicas on an S3 prefix nobody used before (an empty cache), and nginx in front; all stopped on failure. */
export async function startCluster(site: ClusterSite, n: number, dir: string): Promise<Cluster> {
  const storage = `s3://${site.bucket}/bench-${randomBytes(4).toString('hex')}`;
  const started = await Promise.allSettled(Array.from({ length: n }, () => startReplica(site, storage, path.join(dir, 'replicas'))));
  const replicas = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  const nginx = await (failed === undefined
    ? startNginx(
        path.join(dir, 'nginx'),
        replicas.map((r) => Number(new URL(r.url).port)),
      )
    : Promise.reject(failed.reason)
  ).catch(async (err: unknown) => {
    await Promise.all(replicas.map((r) => r.stop()));
    throw err;
  });
  const logs = path.join(nginx.dir, 'logs');
  return {
    name: clusterName(n),
    url: nginx.url,
    replicas,
    cpu: async () => ({ replicas: sum(await Promise.all(replicas.map((r) => treeCpuSeconds(r.pid)))), nginx: await treeCpuSeconds(nginx.pid) }),
    nginxTrouble: async () => {
      const notOk = await linesOf(path.join(logs, 'access.log'), (l) => !/" 200 \d+ upstream=/.test(l));
      const closed = (l: string) => /" 499 \d+ upstream=/.test(l);
      return {
        errors: await linesOf(path.join(logs, 'error.log'), () => true),
        failed: notOk.filter((l) => !closed(l)),
        clientClosed: notOk.filter(closed).length,
      };
    },
    stop: async () => {
      await nginx.stop();
      await Promise.all(replicas.map((r) => r.stop()));
    },
  };
}
