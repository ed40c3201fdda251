// Module search on `serve --workers 2` for a request that may not read the private modules: a cache with
// runs of private modules longer than one search lists, between public ones. The search pages on through
// them to every public module, with cursors that open on either worker, and no answer names a private
// module (sealed cursors); a forged or altered cursor is a 400 that says so.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { rawRequest } from './helpers/raw-http.js';

let root: string;
let proxy: ProxyProcess;

const PUBLIC = ['corp.example/a-public', 'corp.example/c-public', 'corp.example/e-public'];

/** A module's files straight in the cache folder (a search reads only the store's listing). */
function cacheModule(cache: string, module: string, versions: number): void {
  const dir = path.join(cache, module, '@v');
  mkdirSync(dir, { recursive: true });
  for (let v = 0; v < versions; v++) for (const k of ['info', 'mod', 'zip', 'ziphash']) writeFileSync(path.join(dir, `v1.0.${v}.${k}`), 'x');
}

/** One request on a connection of its own, so that the pages spread over the workers. */
async function get(p: string): Promise<{ status: number; body: string }> {
  const port = Number(new URL(proxy.url).port);
  return rawRequest(port, `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, 60_000);
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-search-private-'));
  const cache = path.join(root, 'data', 'cache');
  for (const m of PUBLIC) cacheModule(cache, m, 1);
  // 26 private modules of 1000 files each: more than the 25 listings of 1000 keys one search request makes.
  for (let i = 0; i < 26; i++) cacheModule(cache, `corp.example/b-secret${String(i).padStart(2, '0')}`, 250);
  for (let i = 0; i < 5; i++) cacheModule(cache, `corp.example/d-secret${i}`, 1);
  proxy = await startProxyProcess({
    workers: '2',
    upstream: 'off',
    private: 'corp.example/b-secret*,corp.example/d-secret*',
    sumdb: 'off',
    'own-sumdb': 'off',
    data: path.join(root, 'data'),
  });
});
after(async () => {
  await proxy?.stop();
  await rm(root, { recursive: true, force: true });
});

async function walk(q: string, limit: number): Promise<{ modules: string[]; bodies: string[]; cursors: string[] }> {
  const modules: string[] = [];
  const bodies: string[] = [];
  const cursors: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 20; pages++) {
    const res = await get(`/api/v1/modules?q=${encodeURIComponent(q)}&limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
    assert.equal(res.status, 200, res.body);
    bodies.push(res.body);
    const page = JSON.parse(res.body) as { modules: string[]; cursor?: string };
    modules.push(...page.modules);
    if (page.cursor === undefined) return { modules, bodies, cursors };
    cursor = page.cursor;
    cursors.push(cursor);
  }
  assert.fail(`no end after 20 pages: ${modules.join(' ')}`);
}

const leaks = (text: string) => /secret/i.test(text) || /secret/i.test(Buffer.from(text.replace(/[^A-Za-z0-9_-]/g, ''), 'base64url').toString('latin1'));

test('a search without a token pages through runs of private modules to every public one, naming none of them', async () => {
  for (const limit of [50, 1]) {
    for (let round = 0; round < 3; round++) {
      const { modules, bodies, cursors } = await walk('corp.example/', limit);
      assert.deepEqual(modules, PUBLIC, `limit ${limit}`);
      assert.ok(cursors.length >= 1, 'the run of private modules is longer than one request lists');
      for (const body of bodies) assert.ok(!leaks(body), body);
    }
  }
});

test('a forged, altered or foreign cursor is a 400 with a reason, naming nothing', async () => {
  const first = JSON.parse((await get('/api/v1/modules?q=corp.example/&limit=1')).body) as { cursor: string };
  const flipped = `${first.cursor.slice(0, 20)}${first.cursor[20] === 'A' ? 'B' : 'A'}${first.cursor.slice(21)}`;
  for (const bad of [flipped, 'corp.example/b-secret00/@~', first.cursor.slice(0, -3), 'Zm9v']) {
    const res = await get(`/api/v1/modules?q=corp.example/&cursor=${encodeURIComponent(bad)}`);
    assert.equal(res.status, 400, res.body);
    assert.match(res.body, /bad request: the cursor is not one this proxy handed out/);
    assert.ok(!/b-secret\d/.test(res.body.replace(bad, '')), res.body);
  }
  const other = await get(`/api/v1/modules?q=golang.org/&cursor=${encodeURIComponent(first.cursor)}`);
  assert.equal(other.status, 400, other.body);
  assert.match(other.body, /another prefix/);
});
