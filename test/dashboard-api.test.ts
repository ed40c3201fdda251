// The dashboard's JSON API against a real server filled through a fake upstream and verified by a test
// checksum database: search, a module's versions with sizes and h1 sums, which database verified them, the
// zip's files and LICENSE, private modules kept from requests that may not read them, purging, and routes
// that never shadow GOPROXY paths.
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Ops } from '../src/dashboard/api-types.js';
import { checkAndHashZip } from '../src/modzip/zip-check.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import type { FixtureModule } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

const EXTRA: FixtureModule[] = [
  { path: 'ui.example.com/tool', versions: [{ version: 'v1.0.0', files: { 'tool.go': 'package tool\n' } }] },
  { path: 'api.example.com/client', versions: [{ version: 'v1.0.0', files: { 'client.go': 'package client\n' } }] },
  {
    path: 'example.com/retired',
    versions: [
      { version: 'v1.0.0', files: { 'r.go': 'package retired\n' } },
      {
        version: 'v1.1.0',
        files: { 'go.mod': '// Deprecated: use example.com/lib.\nmodule example.com/retired\n\nretract v1.0.0\n', 'r.go': 'package retired\n' },
      },
    ],
  },
];

let fixtures: string;
let up: FakeUpstream;
let db: TestSumdb;
let proxy: RunningProxy;

const json = async <T>(p: string, init?: RequestInit, base = proxy.url): Promise<{ status: number; body: T }> => {
  const res = await fetch(base + p, init);
  const text = await res.text();
  return { status: res.status, body: (res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text) as T };
};
/** The own database records filled versions in the background; a lookup returns once it holds one (escaped path@version). */
async function ownRecorded(escaped: string): Promise<void> {
  const res = await proxy.get(`/sumdb-own/lookup/${escaped}`);
  assert.equal(res.status, 200, await res.text());
}
const zipH1 = (mod: string, v: string) =>
  checkAndHashZip(
    path.join(
      fixtures,
      mod.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`),
      '@v',
      `${v}.zip`,
    ),
    mod,
    v,
  ).then((r) => r.h1);

before(async () => {
  fixtures = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-dash-')), [...sampleModules(), ...EXTRA]);
  up = await startFakeUpstream(fixtures);
  db = await startTestSumdb(fixtures);
  proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb, 'own-sumdb': 'on', private: 'example.com/Upper', 'private-upstream': up.url });
  for (const p of [
    '/example.com/lib/@v/list',
    '/example.com/lib/@v/v1.0.0.info',
    '/example.com/lib/@v/v1.0.0.mod',
    '/example.com/lib/@v/v1.0.0.zip',
    '/example.com/lib/@v/v1.0.0.zip',
    '/example.com/lib/@v/v1.1.0.zip',
    '/example.com/!upper/!case/@v/v0.1.0.mod',
    '/example.com/!upper/!case/@v/v0.1.0.zip',
    '/example.com/retired/@v/v1.0.0.mod',
    '/example.com/retired/@v/v1.1.0.mod',
  ]) {
    const res = await proxy.get(p);
    assert.equal(res.status, 200, `${p}: ${await res.text()}`);
  }
});
after(async () => {
  await proxy.close();
  await up.close();
  await db.close();
});

describe('dashboard API', () => {
  test('GET /api/v1/modules?q= finds cached modules by path prefix', async () => {
    const all = await json<{ modules: string[] }>('/api/v1/modules?q=example.com/');
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.modules.sort(), ['example.com/lib', 'example.com/retired']);
    assert.deepEqual((await json<{ modules: string[] }>('/api/v1/modules?q=example.com/l')).body.modules, ['example.com/lib']);
    assert.equal((await json('/api/v1/modules?q=exa%20mple')).status, 400);
    assert.equal((await json('/api/v1/modules?limit=0')).status, 400);
  });

  test('GET /api/v1/modules/<module path> lists cached versions with time, zip size, h1 sums and downloads', async () => {
    const { status, body } = await json<{
      versions: Array<{ version: string; size?: number; h1?: string; goModH1?: string; downloads: number; time?: string }>;
    }>('/api/v1/modules/example.com/lib');
    assert.equal(status, 200);
    const [v110, v100] = body.versions;
    assert.equal(v110?.version, 'v1.1.0');
    assert.equal(v100?.version, 'v1.0.0');
    assert.equal(v100?.h1, await zipH1('example.com/lib', 'v1.0.0'));
    assert.match(v100?.goModH1 ?? '', /^h1:/);
    assert.equal(v100?.size, (await readFile(path.join(fixtures, 'example.com/lib/@v/v1.0.0.zip'))).length);
    assert.equal(v100?.downloads, 2);
    assert.equal(v100?.time, '2024-01-02T03:04:05Z');
  });

  test("a module's page says what its newest go.mod says: deprecated, and which versions are retracted", async () => {
    const { body } = await json<{ deprecated?: string; notesFrom?: string; versions: Array<{ version: string; retracted: boolean }> }>(
      '/api/v1/modules/example.com/retired',
    );
    assert.equal(body.deprecated, 'use example.com/lib.');
    assert.equal(body.notesFrom, 'v1.1.0');
    assert.deepEqual(
      body.versions.map((v) => [v.version, v.retracted]),
      [
        ['v1.1.0', false],
        ['v1.0.0', true],
      ],
    );
  });

  test("a version's page names the checksum database that verified its zip and go.mod, and the own database's record", async () => {
    const { status, body } = await json<{
      h1: string;
      goModH1: string;
      goMod: string;
      verified: { zip?: { by: string[]; h1: string }; goMod?: { by: string[] } };
      ownDb?: { recorded: boolean; h1?: string };
    }>('/api/v1/modules/example.com/lib/@v/v1.0.0');
    assert.equal(status, 200);
    assert.equal(body.h1, await zipH1('example.com/lib', 'v1.0.0'));
    assert.deepEqual(body.verified.zip?.by, [db.name]);
    assert.equal(body.verified.zip?.h1, body.h1);
    assert.deepEqual(body.verified.goMod?.by, [db.name]);
    assert.equal(body.goMod, 'module example.com/lib\n\ngo 1.19\n');
    await ownRecorded('example.com/lib@v1.0.0');
    const again = await json<{ ownDb?: { recorded: boolean; h1?: string; goModH1?: string } }>('/api/v1/modules/example.com/lib/@v/v1.0.0');
    assert.deepEqual(again.body.ownDb, { ...again.body.ownDb, recorded: true, h1: body.h1, goModH1: body.goModH1 });
  });

  test("the zip's file list and its LICENSE are read from the stored zip", async () => {
    const files = await json<{ files: Array<{ name: string; size: number }> }>('/api/v1/modules/example.com/lib/@v/v1.0.0/files');
    assert.deepEqual(files.body.files.map((f) => f.name).sort(), ['LICENSE', 'go.mod', 'greet.go']);
    const license = await json<string>('/api/v1/modules/example.com/lib/@v/v1.0.0/license');
    assert.equal(license.body, 'MIT\n');
    assert.equal((await json('/api/v1/modules/example.com/lib/@v/v1.0.0.info')).status, 400, 'a version is a canonical version');
    assert.equal((await json('/api/v1/modules/example.com/lib/@v/v1.2.0/files')).status, 404);
  });

  test("API answers, a zip's LICENSE (the module's own text) and errors that quote the request say nosniff", async () => {
    for (const p of [
      '/api/v1/modules/example.com/lib/@v/v1.0.0/license',
      '/api/v1/modules/example.com/lib',
      '/api/v1/modules?q=example.com/',
      '/api/v1/modules/%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '/api/v1/nope',
    ]) {
      const res = await proxy.get(p);
      await res.arrayBuffer();
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${p} (${res.status})`);
    }
  });

  test('private modules are not found, not listed and their patterns not shown to a request that may not read them', async () => {
    assert.ok(!(await json<{ modules: string[] }>('/api/v1/modules')).body.modules.includes('example.com/Upper/Case'));
    assert.equal((await json('/api/v1/modules/example.com/Upper/Case')).status, 404);
    assert.equal((await json('/api/v1/modules/example.com/Upper/Case/@v/v0.1.0/license')).status, 404);
    const setup = await json<{ config: { private: string[]; hiddenPatterns: number }; goEnv: string[] }>('/api/v1/setup');
    assert.deepEqual(setup.body.config.private, []);
    assert.equal(setup.body.config.hiddenPatterns, 1);
    assert.ok(
      setup.body.goEnv.some((l) => l.includes(`GOSUMDB=sum.gomodproxy.local+`)),
      setup.body.goEnv.join('\n'),
    );
    const verdict = JSON.parse(await readFile(path.join(proxy.dataDir, 'cache/example.com/!upper/!case/@v/v0.1.0.zipsumdb'), 'utf8')) as { skipped: string };
    assert.equal(verdict.skipped, 'private', 'its verdict says no public database was asked');
  });

  test('/api/v1/ops answers with totals, the hit ratio and each upstream as healthy', async () => {
    const { body } = await json<{ hitRatio: number; now: { hits: number }; processes: number; upstreams: Array<{ name: string; state: string }> }>(
      '/api/v1/ops',
    );
    assert.ok(body.hitRatio > 0 && body.hitRatio < 1, String(body.hitRatio));
    assert.equal(body.processes, 1);
    assert.equal(body.upstreams.find((u) => u.name === up.url)?.state, 'healthy');
    assert.equal(body.upstreams.find((u) => u.name === db.url)?.state, 'healthy');
    assert.equal((await json('/api/v1/ops?window=days')).status, 400);
  });

  test('/api/v1/ops says what eviction keeps with the defaults (no cap, 5 % free on the file system) and that nothing is followed', async () => {
    const { body } = await json<Ops>('/api/v1/ops');
    const { disk, ...storage } = body.storage;
    assert.deepEqual(storage, { minFree: { percent: 5 }, localFiles: true }, 'no cap, and no size that was never measured');
    assert.ok(disk !== undefined && disk.size > 0 && disk.available <= disk.size, JSON.stringify(disk));
    assert.deepEqual(body.follow, []);
  });

  test('GOPROXY paths of modules named ui.… or api.… are still GOPROXY paths; unknown dashboard paths are 404', async () => {
    assert.equal((await proxy.get('/ui.example.com/tool/@v/v1.0.0.zip')).status, 200);
    assert.equal((await proxy.get('/api.example.com/client/@v/list')).status, 200);
    assert.equal((await proxy.get('/ui/@v/list')).status, 404);
    assert.equal((await proxy.get('/api/v2/modules')).status, 404);
    assert.equal((await proxy.get('/ui/modules/example.com/lib')).status, 200);
    assert.equal((await fetch(`${proxy.url}/api/v1/modules`, { method: 'DELETE' })).status, 405);
  });
});

describe('purging a version', () => {
  const target = '/api/v1/admin/modules/example.com/lib/@v/v1.1.0';
  test('is refused through a reverse proxy and from another site', async () => {
    assert.equal((await fetch(proxy.url + target, { method: 'DELETE', headers: { 'x-forwarded-for': '203.0.113.9' } })).status, 403);
    assert.equal((await fetch(proxy.url + target, { method: 'DELETE', headers: { origin: 'https://evil.example' } })).status, 403);
    assert.equal((await proxy.get('/cached-only/example.com/lib/@v/v1.1.0.zip')).status, 200);
  });

  test('deletes its files from storage and every memory cache, keeps the list, and the next request fills it again', async () => {
    const res = await json<{ deleted: string[] }>(target, { method: 'DELETE', headers: { origin: proxy.url } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    for (const k of ['zip', 'ziphash', 'zipsumdb']) assert.ok(res.body.deleted.includes(k), res.body.deleted.join());
    assert.equal((await proxy.get('/cached-only/example.com/lib/@v/v1.1.0.zip')).status, 404, 'not served from memory either');
    assert.equal((await proxy.get('/cached-only/example.com/lib/@v/list')).status, 200);
    assert.equal((await json(target, { method: 'DELETE' })).status, 404, 'nothing left to purge');
    assert.equal((await proxy.get('/example.com/lib/@v/v1.1.0.zip')).status, 200);
  });

  test('a refill that hashes differently from what the own checksum database recorded is refused', async () => {
    const mod = '/example.com/!upper/!case/@v/v0.1.0.zip';
    await ownRecorded('example.com/!upper/!case@v0.1.0');
    const purge = await fetch(`${proxy.url}/api/v1/admin/modules/example.com/Upper/Case/@v/v0.1.0`, { method: 'DELETE' });
    assert.equal(purge.status, 200, await purge.text());
    const altered = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-dash-alt-')), [
      { path: 'example.com/Upper/Case', versions: [{ version: 'v0.1.0', files: { 'case.go': 'package upper\n\nconst Name = "changed"\n' } }] },
    ]);
    up.faults.set(mod, { kind: 'body', body: await readFile(path.join(altered, 'example.com/!upper/!case/@v/v0.1.0.zip')) });
    try {
      const res = await proxy.get(mod);
      const text = await res.text();
      assert.equal(res.status, 502, text);
      assert.match(text, /checksum mismatch\n\tdownloaded: h1:\S+\n\tsum\.gomodproxy\.local: h1:\S+/);
    } finally {
      up.faults.delete(mod);
    }
    assert.equal((await proxy.get(mod)).status, 200, 'the original bytes are accepted again');
  });
});

test('with --dashboard off neither /ui/ nor /api/v1/ is served, and GOPROXY requests work as before', async () => {
  const off = await startProxy({ upstream: up.url, dashboard: 'off' });
  try {
    assert.notEqual((await off.get('/ui/ops')).status, 200);
    assert.notEqual((await off.get('/api/v1/ops')).status, 200);
    assert.equal((await off.get('/example.com/lib/@v/v1.0.0.zip')).status, 200);
  } finally {
    await off.close();
  }
});

test('/api/v1/ops with --cache-max-size and --follow: the cache measured by eviction against its cap, and the feed (no credentials) with its lag', async () => {
  const port = new URL(proxy.url).port;
  const child = await startProxy({
    upstream: proxy.url,
    follow: `http://follower:s3cret-token@127.0.0.1:${port}/index`,
    'follow-interval': '200ms',
    'cache-max-size': '1GiB',
    'cache-min-free': '0',
  });
  try {
    let ops: Ops | undefined;
    await eventually(async () => {
      ops = (await json<Ops>('/api/v1/ops', undefined, child.url)).body;
      return ops.storage.measured !== undefined && ops.follow[0]?.lagSeconds !== undefined && (ops.follow[0]?.entries.stored ?? 0) > 0;
    }, 'eviction measured the cache and the follower caught up');
    assert.ok(ops !== undefined);
    assert.deepEqual(ops.storage.cap, { bytes: 1024 ** 3, highPercent: 95, lowPercent: 85 });
    assert.equal(ops.storage.minFree, undefined, '--cache-min-free 0');
    assert.ok((ops.storage.measured?.bytes ?? -1) >= 0);
    assert.equal(ops.follow.length, 1);
    assert.equal(ops.follow[0]?.feed, `http://127.0.0.1:${port}`);
    assert.equal(ops.follow[0]?.following, true);
    assert.equal(ops.follow[0]?.refused, false);
    assert.ok(!JSON.stringify(ops).includes('s3cret'), 'the feed is named without its credentials');
  } finally {
    await child.close();
  }
});
