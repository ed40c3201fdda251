// High availability, everything real on 127.0.0.1: three replicas (deploy/gomodproxy@.service's command line)
// on one S3 bucket (Swift) and one PostgreSQL, behind nginx running deploy/nginx.conf, with the go command
// downloading through nginx. One fill per artifact across replicas, a replica SIGKILLed mid-herd costs no
// client anything and leaves nothing partial, an empty fourth replica serves the cache without the upstream,
// and PostgreSQL stopped mid-run degrades the replicas (hits and fills go on) until it is back.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { checkAndHashZip } from '../src/modzip/zip-check.js';
import { unescapePath, unescapeVersion } from '../src/protocol/escape.js';
import { S3Store } from '../src/storage/s3-store.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { goDownload, goEnv } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { privatePostgres } from './helpers/postgres.js';
import type { PrivatePostgres } from './helpers/postgres.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { startNginx, startReplica } from './helpers/replica-cluster.js';
import type { Nginx } from './helpers/replica-cluster.js';
import { ownService } from './helpers/own-service.js';
import type { OwnService } from './helpers/own-service.js';
import { service } from './helpers/services.js';

const s3 = await service('s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'GMP_TEST_S3_BUCKET']);
const awsEnv = Object.fromEntries(Object.entries(s3).filter(([k]) => k.startsWith('AWS_')));
Object.assign(process.env, awsEnv);

const MODULES = ['example.com/lib@v1.0.0', 'example.com/lib@v1.1.0', 'example.com/Upper/Case@v0.1.0', 'example.com/old@v2.0.0+incompatible'];
const zipPath = (m: string) => `/${m}/@v/v1.0.0.zip`;
const agent = new Agent({ connections: 400, pipelining: 0 });
let root: string;
let up: FakeUpstream;
const sha = new Map<string, string>();

/** A failed transfer (a reset, a body shorter than its Content-Length) is status 0 with the error as its text. */
async function get(url: string): Promise<{ status: number; sha: string; text: string }> {
  try {
    const res = await request(url, { dispatcher: agent, headersTimeout: 600_000, bodyTimeout: 600_000 });
    const body = Buffer.from(await res.body.arrayBuffer());
    return { status: res.statusCode, sha: createHash('sha256').update(body).digest('hex'), text: body.toString('utf8') };
  } catch (err) {
    return { status: 0, sha: '', text: (err as Error).message };
  }
}

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 120_000; !(await cond()); await new Promise((r) => setTimeout(r, 250)))
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
}

interface Cluster {
  readonly storage: string;
  readonly replicas: Array<ProxyProcess & { port: number }>;
  readonly nginx: Nginx;
  close(): Promise<void>;
}

async function startCluster(name: string, coordinator: string): Promise<Cluster> {
  const storage = `s3://${s3.GMP_TEST_S3_BUCKET}/ha-${name}-${randomBytes(4).toString('hex')}`;
  const settings = { storage, 's3-force-path-style': 'on', coordinator, upstream: up.url, sumdb: 'off', retries: '0' };
  const replicas = await Promise.all([1, 2, 3].map(() => startReplica(path.join(root, name), settings, awsEnv)));
  const nginx = await startNginx(
    path.join(root, `${name}-nginx`),
    replicas.map((r) => r.port),
  );
  return {
    storage,
    replicas,
    nginx,
    close: async () => {
      await nginx.stop();
      await Promise.all(replicas.map((r) => (r.child.exitCode === null && r.child.signalCode === null ? r.stop() : undefined)));
    },
  };
}

/** What the replicas logged at warn and above, and nginx's error log: why a request failed, if one did. */
async function warnings(c: Cluster): Promise<string> {
  const nginx = await readFile(path.join(c.nginx.dir, 'logs', 'error.log'), 'utf8').catch(() => '');
  return [...c.replicas.flatMap((r) => r.logs.filter((l) => /"level":[4-6]\d/.test(l))), nginx].join('\n');
}

/** How many zip requests each replica answered 200 (its /metrics). */
async function zipsServed(r: ProxyProcess): Promise<number> {
  const text = (await get(`${r.url}/metrics`)).text;
  return Number(/gomodproxy_http_requests_total\{endpoint="zip",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-ha-'));
  const extra = ['herd', 'killed', 'redisherd', 'degraded', 'fresh'].map((m) => ({
    path: `example.com/${m}`,
    versions: [{ version: 'v1.0.0', files: { 'blob.bin': randomBytes(512 * 1024), [`${m}.go`]: `package ${m}\n` } }],
  }));
  await writeGoproxyDir(path.join(root, 'up'), [...sampleModules(), ...extra]);
  for (const m of extra)
    sha.set(
      m.path,
      createHash('sha256')
        .update(await readFile(path.join(root, 'up', zipPath(m.path))))
        .digest('hex'),
    );
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await agent.close();
  await rm(root, { recursive: true, force: true });
});

describe('three replicas on S3 and PostgreSQL behind nginx', { timeout: 900_000 }, () => {
  let pg: PrivatePostgres;
  let c: Cluster;
  before(async () => {
    pg = await privatePostgres();
    c = await startCluster('pg', pg.url);
  });
  after(async () => {
    await c?.close();
    await pg?.destroy();
  });

  test('the go command downloads a module graph through nginx, with the sums straight from the upstream', async () => {
    const [via, direct] = await Promise.all([goEnv(c.nginx.url), goEnv(`file://${path.join(root, 'up')}`)]);
    const [a, b] = await Promise.all([goDownload(via, MODULES), goDownload(direct, MODULES)]);
    assert.equal(a.result.code, 0, a.result.stderr);
    const key = (d: { Path: string; Version: string; Sum?: string; GoModSum?: string }) => `${d.Path}@${d.Version} ${d.Sum} ${d.GoModSum}`;
    assert.deepEqual(a.downloads.map(key), b.downloads.map(key));
    for (const e of [via, direct]) await rm(e.home, { recursive: true, force: true });
  });

  test('300 concurrent requests for one uncached zip, spread over the three replicas, make exactly one upstream fetch', async () => {
    const before = await Promise.all(c.replicas.map(zipsServed));
    const results = await Promise.all(Array.from({ length: 300 }, () => get(c.nginx.url + zipPath('example.com/herd'))));
    const outcomes = new Set(results.map((r) => `${r.status} ${r.sha || r.text}`));
    assert.deepEqual(outcomes, new Set([`200 ${sha.get('example.com/herd')}`]), await warnings(c));
    assert.equal(up.count(zipPath('example.com/herd')), 1, await warnings(c));
    const served = (await Promise.all(c.replicas.map(zipsServed))).map((n, i) => n - (before[i] as number));
    assert.ok(
      served.every((n) => n > 0),
      `every replica answered part of the herd: ${served.join(', ')}`,
    );
  });

  test('a replica killed with SIGKILL in the middle of a herd: every go command succeeds, and no object in the bucket is partial', async () => {
    const zip = zipPath('example.com/killed');
    // A slow upstream keeps the fill (and every waiter on every replica) in flight while the replica dies.
    up.faults.set(zip, { kind: 'trickle', bytes: 32 * 1024, everyMs: 100 });
    const envs = await Promise.all(Array.from({ length: 6 }, () => goEnv(c.nginx.url)));
    const gos = envs.map((e) => goDownload(e, ['example.com/killed@v1.0.0', 'example.com/lib@v1.2.0-rc.1']));
    const gets = Array.from({ length: 100 }, () => get(c.nginx.url + zip));
    await until('the fill started', async () => up.count(zip) > 0);
    await new Promise((r) => setTimeout(r, 500));
    const victim = c.replicas[1] as ProxyProcess;
    victim.child.kill('SIGKILL');
    up.faults.delete(zip);
    for (const [i, g] of (await Promise.all(gos)).entries()) {
      assert.equal(g.result.code, 0, `go command ${i}: ${g.result.stderr}${g.result.stdout}\n${await warnings(c)}`);
      assert.deepEqual(
        g.downloads.map((d) => d.Error),
        [undefined, undefined],
      );
    }
    const results = await Promise.all(gets);
    assert.deepEqual(new Set(results.map((r) => `${r.status} ${r.sha || r.text}`)), new Set([`200 ${sha.get('example.com/killed')}`]), await warnings(c));
    for (const e of envs) await rm(e.home, { recursive: true, force: true });

    // Every zip in the bucket is whole: its h1 is the upstream's.
    const store = new S3Store(c.storage, { forcePathStyle: true });
    try {
      const keys: string[] = [];
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await store.list('', { cursor });
        keys.push(...page.keys);
        cursor = page.cursor;
      }
      const zips = keys.filter((k) => k.endsWith('.zip'));
      assert.ok(zips.length >= 7, zips.join(' '));
      for (const k of zips) {
        const m = /^(.*)\/@v\/(.*)\.zip$/.exec(k) as RegExpExecArray;
        const [mod, ver] = [unescapePath(m[1] as string), unescapeVersion(m[2] as string)];
        const file = path.join(root, 'check.zip');
        await writeFile(file, (await store.read(k)) as Buffer);
        const upstreamFile = path.join(root, 'up', k);
        assert.equal((await checkAndHashZip(file, mod, ver)).h1, (await checkAndHashZip(upstreamFile, mod, ver)).h1, k);
      }
    } finally {
      await store.close();
    }
  });

  test('a fourth replica with an empty disk serves everything already cached with zero upstream fetches', async () => {
    const fourth = await startReplica(
      path.join(root, 'fourth'),
      { storage: c.storage, 's3-force-path-style': 'on', coordinator: pg.url, upstream: up.url, sumdb: 'off' },
      awsEnv,
    );
    try {
      const fetches = up.total();
      for (const m of ['example.com/herd', 'example.com/killed']) assert.equal((await get(fourth.url + zipPath(m))).sha, sha.get(m));
      for (const mv of MODULES) {
        const [mod, ver] = mv.split('@') as [string, string];
        const escaped = mod.replace(/[A-Z]/g, (ch) => `!${ch.toLowerCase()}`);
        for (const ext of ['info', 'mod', 'zip']) assert.equal((await get(`${fourth.url}/${escaped}/@v/${ver}.${ext}`)).status, 200, `${mv}.${ext}`);
      }
      assert.equal(up.total(), fetches);
    } finally {
      await fourth.stop();
    }
  });

  test('PostgreSQL stopped mid-run: hits and fills go on, /readyz says degraded, no wrong bytes, and it recovers by itself', async () => {
    const live = c.replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    await pg.stop();
    try {
      assert.equal((await get(c.nginx.url + zipPath('example.com/herd'))).sha, sha.get('example.com/herd'));
      const fills = await Promise.all(Array.from({ length: 20 }, () => get(c.nginx.url + zipPath('example.com/degraded'))));
      assert.deepEqual(new Set(fills.map((r) => `${r.status} ${r.sha}`)), new Set([`200 ${sha.get('example.com/degraded')}`]));
      for (const r of live) {
        await until('the replica reports itself degraded', async () => (await get(`${r.url}/readyz`)).text.startsWith('degraded: coordinator'));
        const ready = await request(`${r.url}/readyz`, { dispatcher: agent });
        await ready.body.dump();
        assert.equal(ready.statusCode, 200, 'degraded is still in rotation: it serves correctly');
      }
    } finally {
      await pg.start();
    }
    for (const r of live) await until('the replica is ready again', async () => (await get(`${r.url}/readyz`)).text === 'ready\n');
    assert.equal((await get(c.nginx.url + zipPath('example.com/fresh'))).sha, sha.get('example.com/fresh'));
  });
});

describe('three replicas on S3 and Redis behind nginx', { timeout: 600_000 }, () => {
  let c: Cluster;
  let redis: OwnService;
  before(async () => {
    // A Redis of its own: a coordinator belongs to one storage, and the shared one holds other runs' logs.
    redis = await ownService('redis', (dir, port) => ({ GMP_REDIS_DIR: dir, GMP_REDIS_PORT: String(port) }));
    c = await startCluster('redis', (await redis.start()).REDIS_URL as string);
  });
  after(async () => {
    await c?.close();
    await redis?.cleanup();
  });

  test('300 concurrent requests for one uncached zip make exactly one upstream fetch', async () => {
    const results = await Promise.all(Array.from({ length: 300 }, () => get(c.nginx.url + zipPath('example.com/redisherd'))));
    const failed = results.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.text.slice(0, 200)}`);
    assert.deepEqual(failed, [], await warnings(c));
    assert.deepEqual(new Set(results.map((r) => `${r.status} ${r.sha}`)), new Set([`200 ${sha.get('example.com/redisherd')}`]));
    assert.equal(up.count(zipPath('example.com/redisherd')), 1, await warnings(c));
  });
});
