// `serve --workers 2` with PostgreSQL or Redis as the coordinator, as a real process tree: a worker SIGKILLed
// while it fills loses its fill lease the moment the primary sees it exit, so the next request for that
// artifact is filled by the other worker while the upstream answer the dead one waited for is still held back,
// long before the dead worker's lease would have lapsed; the live worker's leases are never touched.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { fillLockName } from '../src/coord/exclusive.js';
import { artifactKey } from '../src/storage/keys.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { query, sharedPostgresUrl } from './helpers/postgres.js';
import { ownService } from './helpers/own-service.js';
import type { OwnService } from './helpers/own-service.js';
import { startProxyProcess } from './helpers/proxy-process.js';

let root: string;
let up: FakeUpstream;
const sums = new Map<string, string>();
const MODULES = ['example.com/held/pg', 'example.com/held/redis'];

/** The fill lease in the coordinator: its owner id (which ends in the holder's pid) and when it lapses. */
interface Held {
  readonly owner: string;
  readonly lapsesAt: number;
}

interface Backend {
  readonly coordinator: string;
  /** The unexpired holder of a lease name. */
  holder(name: string): Promise<Held | undefined>;
  /** How many unexpired leases an owner holds. */
  held(owner: string): Promise<number>;
  close(): Promise<void>;
}

async function postgresBackend(): Promise<Backend> {
  // A schema of its own on the shared server (the coordinator's tables go to the first schema of the search
  // path), so that nothing here meets other tests' leases and values, and all of it goes with the schema.
  const shared = await sharedPostgresUrl();
  const schema = `gmp_wk_${randomBytes(5).toString('hex')}`;
  await query(shared, `CREATE SCHEMA ${schema}`);
  const u = new URL(shared);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    coordinator: u.toString(),
    holder: async (name) => {
      const lapses = '(extract(epoch FROM expires_at) * 1000)::float8 AS lapses';
      const rows = await query(shared, `SELECT owner, ${lapses} FROM ${schema}.gomodproxy_leases WHERE name = $1 AND expires_at > now()`, [name]);
      const r = rows[0];
      return r === undefined ? undefined : { owner: String(r.owner), lapsesAt: Number(r.lapses) };
    },
    held: async (owner) =>
      Number((await query(shared, `SELECT count(*)::int AS n FROM ${schema}.gomodproxy_leases WHERE owner = $1 AND expires_at > now()`, [owner]))[0]?.n),
    close: async () => void (await query(shared, `DROP SCHEMA ${schema} CASCADE`)),
  };
}

/** A port of this test's range (3500-3599) that is free now. */
async function freePortInRange(): Promise<number> {
  for (let port = 3530; port < 3600; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 3530-3599');
}

async function redisBackend(): Promise<Backend> {
  // A Redis of this test's own: the proxy's key prefix is fixed, and the shared server's keys are other tests'.
  const port = await freePortInRange();
  const own: OwnService = await ownService('redis', (dir) => ({ GMP_REDIS_DIR: dir, GMP_REDIS_PORT: String(port) }));
  const url = (await own.start()).REDIS_URL as string;
  const raw = new Redis(url);
  const ownerHashes = async () => raw.keys('gomodproxy:owner:*');
  return {
    coordinator: url,
    holder: async (name) => {
      const token = await raw.get(`gomodproxy:lease:${name}`);
      if (token === null) return undefined;
      const lapsesAt = Date.now() + (await raw.pttl(`gomodproxy:lease:${name}`));
      for (const key of await ownerHashes()) if ((await raw.hget(key, name)) === token) return { owner: key.slice('gomodproxy:owner:'.length), lapsesAt };
      throw new Error(`the lease ${name} is listed under no owner`);
    },
    held: async (owner) => {
      let n = 0;
      for (const [name, token] of Object.entries(await raw.hgetall(`gomodproxy:owner:${owner}`)))
        if ((await raw.get(`gomodproxy:lease:${name}`)) === token) n++;
      return n;
    },
    close: async () => {
      raw.disconnect();
      await own.cleanup();
    },
  };
}

async function get(url: string, dispatcher: Agent): Promise<{ status: number; sha: string }> {
  const res = await request(url, { dispatcher, headersTimeout: 300_000, bodyTimeout: 300_000 });
  const h = createHash('sha256');
  for await (const chunk of res.body) h.update(chunk as Buffer);
  return { status: res.statusCode, sha: h.digest('hex') };
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-workers-coord-'));
  const modules = MODULES.map((m) => ({
    path: m,
    versions: [{ version: 'v1.0.0', files: { 'blob.bin': randomBytes(1024 * 1024), 'held.go': 'package held\n' } }],
  }));
  await writeGoproxyDir(path.join(root, 'up'), modules);
  for (const m of MODULES)
    sums.set(
      m,
      createHash('sha256')
        .update(await readFile(path.join(root, 'up', m, '@v', 'v1.0.0.zip')))
        .digest('hex'),
    );
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

for (const [kind, open, module] of [
  ['PostgreSQL', postgresBackend, MODULES[0]],
  ['Redis', redisBackend, MODULES[1]],
] as const) {
  describe(`serve --workers 2 with ${kind} as the coordinator`, { timeout: 300_000 }, () => {
    let backend: Backend;
    before(async () => {
      backend = await open();
    });
    after(async () => {
      await backend?.close();
    });

    test("a worker killed mid-fill frees its fill lease at once: the other worker fills while the dead one's upstream answer is still held back", async () => {
      const data = path.join(root, `data-${kind}`);
      const proxy = await startProxyProcess({
        workers: '2',
        upstream: up.url,
        sumdb: 'off',
        'own-sumdb': 'off',
        data,
        retries: '0',
        coordinator: backend.coordinator,
        'first-byte-timeout': '5m',
      });
      const zip = `/${module}/@v/v1.0.0.zip`;
      const lease = fillLockName(artifactKey(module as string, 'v1.0.0', 'zip'));
      let letGo = false;
      // The first upstream request for the zip is held until the end of the test; any later one is answered.
      up.faults.set(zip, { kind: 'first', count: 1, fault: { kind: 'until', ready: () => letGo, ms: 600_000 } });
      const agents = [new Agent({ connections: 1 }), new Agent({ connections: 1 })] as const;
      try {
        const first = get(proxy.url + zip, agents[0]).catch(() => ({ status: 0, sha: '' }));
        await eventually(async () => up.count(zip) === 1, 'the first fill asked the upstream');
        let held: Held | undefined;
        await eventually(async () => (held = await backend.holder(lease)) !== undefined, 'a worker holds the fill lease');
        const dead = held as Held;
        // The owner id names the worker's pid (app/worker-leases.ts).
        const workers = await proxy.workers();
        const pid = workers.find((w) => dead.owner.split(':').includes(String(w)));
        assert.ok(pid !== undefined, `the lease's owner ${dead.owner} names a worker (${workers.join(', ')})`);
        const survivor = workers.find((w) => w !== pid);

        const killedAt = Date.now();
        process.kill(pid, 'SIGKILL');
        const second = await get(proxy.url + zip, agents[1]);
        assert.deepEqual(second, { status: 200, sha: sums.get(module as string) });
        const now = Date.now();
        assert.equal(letGo, false);
        assert.equal(up.count(zip), 2, 'filled again from the upstream while the first answer is still held back');
        // Without the primary giving it back, the lease stays held until it lapses, and so does every request.
        const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
        assert.ok(now < dead.lapsesAt, `filled ${s(now - killedAt)} after the kill, the dead worker's lease lapsing ${s(dead.lapsesAt - killedAt)} after it`);
        assert.equal(await backend.held(dead.owner), 0, 'nothing of the dead worker is held');
        assert.ok(
          proxy.logs.some((l) => l.includes('gave back the coordinator leases of an exited worker')),
          'the primary says it gave them back',
        );
        assert.ok(survivor !== undefined && (await proxy.workers()).includes(survivor), 'the live worker was left alone');
        assert.notEqual((await first).status, 200, 'the killed fill answered nothing complete');
      } finally {
        letGo = true;
        await proxy.stop();
        await Promise.all(agents.map((a) => a.close()));
      }
    });
  });
}
