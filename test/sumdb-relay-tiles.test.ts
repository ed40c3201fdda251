// The /sumdb/<name>/tile/ relay in front of a hostile checksum database: every byte from it is hostile until
// proven. Data tiles of the trusted tree are proven against its hash tiles (a damaged one is refused, a good
// one kept); tiles nothing here can prove (beyond the trusted tree, of another height) are passed on as
// they came and never stored, so a damaged answer is never served again once the database answers honestly
// (the real go command, which authenticates those itself, shows it).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dataPaths } from '../src/storage/data-dirs.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goDownload, goEnv, runGo } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

let up: FakeUpstream;
let db: TestSumdb;
let front: Server;
let proxy: RunningProxy;
/** What the database in front does with a tile request: answer it, damage it (same length), or fail. */
let mode: (p: string) => 'honest' | 'damage' | 'down' = () => 'honest';

const damaged = (body: Buffer): Buffer => {
  const copy = Buffer.from(body);
  copy[copy.length >> 1] = (copy[copy.length >> 1] as number) ^ 0x01;
  return copy;
};

before(async () => {
  const fixtures = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-relay-up-')), sampleModules());
  up = await startFakeUpstream(fixtures);
  db = await startTestSumdb(fixtures);
  front = createServer((req, res) => {
    const p = req.url ?? '/';
    const m = mode(p);
    if (m === 'down') return void res.writeHead(503).end('down\n');
    void fetch(`${db.url}${p}`).then(async (r) => {
      const body = Buffer.from(await r.arrayBuffer());
      res.writeHead(r.status).end(m === 'damage' && r.status === 200 ? damaged(body) : body);
    });
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
  proxy = await startProxy({ upstream: up.url, sumdb: `${db.key} http://127.0.0.1:${(front.address() as AddressInfo).port}` });
  // The proxy trusts the tree of these two records (it proved them with its tiles).
  for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await proxy.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
});
after(async () => {
  await proxy.close();
  await new Promise((r) => front.close(r));
  await db.close();
  await up.close();
});

const relayed = (rel: string) => proxy.get(`/sumdb/${db.name}/${rel}`);
/** Every file the proxy keeps for the database (any place, `relay/` included) whose path ends with rel. */
async function kept(rel: string): Promise<string[]> {
  const dir = path.join(dataPaths(proxy.dataDir).sumdbCache(db.name), '..');
  const files = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return files.filter((d) => d.isFile() && path.join(d.parentPath, d.name).endsWith(rel)).map((d) => path.join(d.parentPath, d.name));
}

test('a data tile of the trusted tree is proven against its hash tile: a damaged one is refused and not kept, a good one is kept', async () => {
  const rel = 'tile/8/data/000.p/2';
  const want = await db.log.tile({ h: 8, l: -1, n: 0, w: 2 });
  mode = (p) => (p.includes('/data/') ? 'damage' : 'honest');
  const bad = await relayed(rel);
  assert.equal(bad.status, 502, await bad.text());
  assert.deepEqual(await kept(rel), [], 'nothing kept of the damaged tile');
  mode = () => 'honest';
  const good = await relayed(rel);
  assert.equal(good.status, 200);
  assert.deepEqual(Buffer.from(await good.arrayBuffer()), want);
  assert.match(good.headers.get('cache-control') ?? '', /max-age=60/);
  // Proven, so kept: answered while the database is down.
  mode = () => 'down';
  const offline = await relayed(rel);
  assert.equal(offline.status, 200);
  assert.deepEqual(Buffer.from(await offline.arrayBuffer()), want);
  mode = () => 'honest';
});

test('a tile of another height is passed on as it came, never kept: once the database is honest again, so is the answer', async () => {
  const rel = 'tile/4/0/000.p/2';
  const want = await db.log.tile({ h: 4, l: 0, n: 0, w: 2 });
  mode = (p) => (p.startsWith('/tile/4/') ? 'damage' : 'honest');
  const first = await relayed(rel);
  assert.equal(first.status, 200);
  assert.deepEqual(Buffer.from(await first.arrayBuffer()), damaged(want), 'passed on: the go command checks it');
  assert.deepEqual(await kept(rel), []);
  assert.equal(first.headers.get('cache-control'), 'no-cache', 'nor kept by a cache in front');
  mode = () => 'honest';
  const again = await relayed(rel);
  assert.deepEqual(Buffer.from(await again.arrayBuffer()), want);
});

test('tiles beyond the trusted tree, hash and data, are passed on and never kept', async () => {
  // The log grows past the tree the proxy trusts (2 records).
  await db.log.add([
    {
      path: 'example.com/more',
      version: 'v1.0.0',
      text: Buffer.from(`example.com/more v1.0.0 h1:${'m'.repeat(43)}=\nexample.com/more v1.0.0/go.mod h1:${'m'.repeat(43)}=\n`),
    },
  ]);
  for (const [rel, tile] of [
    ['tile/8/0/000.p/3', { h: 8, l: 0, n: 0, w: 3 }],
    ['tile/8/data/000.p/3', { h: 8, l: -1, n: 0, w: 3 }],
  ] as const) {
    const want = await db.log.tile(tile);
    mode = () => 'damage';
    const first = await relayed(rel);
    assert.equal(first.status, 200, rel);
    assert.deepEqual(Buffer.from(await first.arrayBuffer()), damaged(want), rel);
    assert.deepEqual(await kept(rel), [], rel);
    mode = () => 'honest';
    const again = await relayed(rel);
    assert.deepEqual(Buffer.from(await again.arrayBuffer()), want, `${rel}: the honest tile, not a kept damaged one`);
  }
});

test('unproven copies an earlier version kept under relay/ are removed at start; proven tiles beside them stay and are served', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-relay-relics-'));
  const cache = dataPaths(dataDir).sumdbCache(db.name);
  const hashTile = await db.log.tile({ h: 8, l: 0, n: 0, w: 2 });
  const write = async (rel: string, body: Buffer) => {
    await mkdir(path.dirname(path.join(cache, rel)), { recursive: true });
    await writeFile(path.join(cache, rel), body);
  };
  // What the old relay kept: damaged copies of a hash tile and a data tile, and a full tile of another height.
  const relics = ['relay/tile/8/0/000.p/2', 'relay/tile/8/data/000.p/2', 'relay/tile/4/0/000'];
  for (const rel of relics) await write(rel, damaged(hashTile));
  // What the proven relay keeps: the authenticated hash tile.
  await write('tile/8/0/000.p/2', hashTile);
  const p = await startProxy({ upstream: up.url, sumdb: `${db.key} http://127.0.0.1:${(front.address() as AddressInfo).port}` }, { dataDir });
  try {
    await p.server.checksums.relicsRemoved;
    const left = await readdir(cache, { recursive: true, withFileTypes: true });
    const files = left.filter((d) => d.isFile()).map((d) => path.relative(cache, path.join(d.parentPath, d.name)));
    assert.deepEqual(
      files.filter((f) => f.startsWith('relay')),
      [],
      'no unproven copy is left',
    );
    assert.deepEqual(await readFile(path.join(cache, 'tile/8/0/000.p/2')), hashTile, 'the proven tile is kept as it was');
    mode = () => 'down';
    const offline = await p.get(`/sumdb/${db.name}/tile/8/0/000.p/2`);
    assert.equal(offline.status, 200);
    assert.deepEqual(Buffer.from(await offline.arrayBuffer()), hashTile);
  } finally {
    mode = () => 'honest';
    await p.close();
  }
});

await forEachGo('the go command through the relay, after a damaged tile beyond the trusted tree', (go) => {
  test('a go command that saw a newer tree fails on a damaged tile, and succeeds once the database is honest again', async () => {
    const fixtures = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-relay-go-')), sampleModules());
    const modules = await startFakeUpstream(fixtures);
    const sumdb = await startTestSumdb(fixtures);
    let damage = false;
    const hostile = createServer((req, res) => {
      const p = req.url ?? '/';
      void fetch(`${sumdb.url}${p}`).then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        res.writeHead(r.status).end(damage && p.startsWith('/tile/') && r.status === 200 ? damaged(body) : body);
      });
    });
    await new Promise<void>((r) => hostile.listen(0, '127.0.0.1', r));
    const p = await startProxy({ upstream: modules.url, sumdb: `${sumdb.key} http://127.0.0.1:${(hostile.address() as AddressInfo).port}` });
    try {
      // The proxy trusts a tree of one record.
      assert.equal((await p.get('/example.com/lib/@v/v1.0.0.zip')).status, 200);
      // The go command sees a newer tree (two records) straight from the database, then its module cache is
      // cleaned: it keeps that tree head ($GOPATH/pkg/sumdb) but no tile.
      const env = await goEnv(modules.url, { GOSUMDB: `${sumdb.key} ${sumdb.url}` }, go);
      const direct = await goDownload(env, ['example.com/lib@v1.1.0']);
      assert.equal(direct.result.code, 0, direct.result.stderr);
      assert.equal((await runGo(['clean', '-modcache'], env.home, env)).code, 0);
      // Now through the proxy and its relay: the record comes with the proxy's older tree, and proving it a
      // prefix of the newer one takes tiles beyond the tree the proxy trusts, which the database damages.
      const viaRelay = { ...env, env: { ...env.env, GOPROXY: p.url, GOSUMDB: sumdb.key } };
      damage = true;
      const refused = await goDownload(viaRelay, ['example.com/lib@v1.0.0']);
      assert.notEqual(refused.result.code, 0, 'the go command refuses the damaged tile');
      assert.match(refused.result.stdout + refused.result.stderr, /inconsistent|tile|verifying/i);
      damage = false;
      const ok = await goDownload(viaRelay, ['example.com/lib@v1.0.0']);
      assert.equal(ok.result.code, 0, `${ok.result.stdout}\n${ok.result.stderr}`);
    } finally {
      await p.close();
      await new Promise((r) => hostile.close(r));
      await sumdb.close();
      await modules.close();
    }
  });
});
