// GET /index with concurrent fills on two workers: a reader paging with "last timestamp + 1 ns" while both
// workers store versions sees every version exactly once, in the one order every later reader sees, with
// strictly growing stamps; private modules never appear; malformed queries get 400.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { formatTimestamp, parseTimestamp } from '../src/feed/timestamp.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { eventually } from './helpers/eventually.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';

const MODULES = Array.from({ length: 80 }, (_, i) => `example.com/w${i}`);
const VERSIONS = ['v1.0.0', 'v1.1.0'];
let root: string;
let up: FakeUpstream;
let proxy: ProxyProcess;
const agent = new Agent({ connections: 64 });

interface Line {
  Path: string;
  Version: string;
  Timestamp: string;
}

async function get(p: string): Promise<{ status: number; body: string }> {
  const res = await request(proxy.url + p, { dispatcher: agent });
  return { status: res.statusCode, body: await res.body.text() };
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-index-'));
  const mods = [...MODULES, 'example.com/secret/x'].map((m) => ({
    path: m,
    versions: VERSIONS.map((version) => ({ version, files: { 'a.go': 'package a\n' } })),
  }));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), mods));
  proxy = await startProxyProcess({
    workers: '2',
    upstream: up.url,
    private: 'example.com/secret',
    'private-upstream': up.url,
    sumdb: 'off',
    'own-sumdb': 'off',
    data: path.join(root, 'data'),
    retries: '0',
  });
});
after(async () => {
  await proxy?.stop();
  await up?.close();
  await agent.close();
  await rm(root, { recursive: true, force: true });
});

describe('the index feed of two workers', () => {
  test('a reader paging with "last timestamp + 1 ns" during concurrent fills misses nothing and sees each version once', async (t) => {
    const want = MODULES.flatMap((m) => VERSIONS.map((v) => `${m}@${v}`));
    const seen: Line[] = [];
    let since: string | undefined;
    let filling = true;
    let pages = 0;
    const reader = (async () => {
      while (filling || seen.length < want.length) {
        const q = since === undefined ? '?limit=7' : `?limit=7&since=${encodeURIComponent(since)}`;
        const { status, body } = await get(`/index${q}`);
        assert.equal(status, 200, body);
        pages++;
        const lines = body
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as Line);
        seen.push(...lines);
        const last = lines.at(-1);
        if (last !== undefined) since = formatTimestamp((parseTimestamp(last.Timestamp) as bigint) + 1n);
        if (lines.length < 7) await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Every version fetched at once from both workers, in a shuffled order, the private module among them.
    const paths = [...want, 'example.com/secret/x@v1.0.0'].map((k) => k.replace('@', '/@v/')).sort(() => Math.random() - 0.5);
    const answers = await Promise.all(paths.map(async (p) => ({ p, ...(await get(`/${p}.zip`)) })));
    const failed = answers.filter((a) => a.status !== 200).map((a) => `${a.p}: ${a.status} ${a.body.slice(0, 300)}`);
    assert.deepEqual(failed, [], 'every fill answers 200');
    filling = false;
    const timer = setTimeout(() => assert.fail(`the reader saw ${seen.length} of ${want.length} versions`), 60_000);
    await reader;
    clearTimeout(timer);
    t.diagnostic(`${pages} pages read while ${want.length} versions were stored`);
    const keys = seen.map((l) => `${l.Path}@${l.Version}`);
    assert.equal(new Set(keys).size, keys.length, 'no version twice');
    assert.deepEqual(new Set(keys), new Set(want), 'every version, and no private one');
    const stamps = seen.map((l) => parseTimestamp(l.Timestamp) as bigint);
    assert.ok(
      stamps.every((s, i) => i === 0 || s > (stamps[i - 1] as bigint)),
      'stamps grow strictly',
    );
    // A reader arriving later (on either worker) gets the same entries in the same order with the same stamps,
    // once that worker has looked at the log's head again (each process re-reads it at most every 250 ms).
    const expected = seen.map((l) => `${JSON.stringify(l)}\n`).join('');
    for (let i = 0; i < 2; i++) {
      let all = '';
      await eventually(async () => (all = (await get('/index?include=all')).body).split('\n').length > seen.length, 'the worker sees the whole log');
      assert.equal(all, expected);
    }
  });

  test('since is inclusive and limit caps the page', async () => {
    const all = (await get('/index')).body.split('\n').filter((l) => l !== '');
    const third = JSON.parse(all[2] as string) as Line;
    const from = (await get(`/index?since=${encodeURIComponent(third.Timestamp)}&limit=2`)).body.split('\n').filter((l) => l !== '');
    assert.deepEqual(from, all.slice(2, 4));
    assert.equal((await get('/index?since=2999-01-01T00:00:00Z')).body, '');
  });

  test('a malformed since or limit is a 400 with a plain-text reason', async () => {
    for (const q of ['since=yesterday', 'since=2024-01-01', 'limit=0', 'limit=-1', 'limit=ten']) {
      const { status, body } = await get(`/index?${q}`);
      assert.equal(status, 400, q);
      assert.match(body, /^bad request: (since|limit)=/, q);
    }
  });
});
