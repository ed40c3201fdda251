import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FsStorage } from '../storage/fs-storage.js';
import type { Source } from '../upstream/source.js';
import { ModuleCache } from './module-cache.js';

const MOD = Buffer.from('module example.com/m\n\ngo 1.19\n');

function fakeUpstream(calls: string[]): Source {
  const none = () => Promise.reject(new Error('not used'));
  return {
    name: 'fake',
    list: none,
    latest: none,
    zip: none,
    info: async (_p, v) => {
      calls.push(`info ${v}`);
      const body = Buffer.from(JSON.stringify({ Version: v, Time: '2024-01-02T03:04:05Z' }));
      return { Version: v, body };
    },
    mod: async (_p, v) => {
      calls.push(`mod ${v}`);
      return MOD;
    },
  };
}

async function withCache(fn: (cache: ModuleCache, data: string, calls: string[]) => Promise<void>): Promise<void> {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-mc-'));
  const storage = new FsStorage(data);
  await storage.init();
  const calls: string[] = [];
  const cache = new ModuleCache(storage, fakeUpstream(calls), { listTTLms: 60_000, negativeTTLms: 0, memoryBytes: 1 << 20 });
  try {
    await fn(cache, data, calls);
  } finally {
    await cache.close();
    await rm(data, { recursive: true, force: true });
  }
}

test('a filled .mod is answered at once and is on disk once the cache is flushed', async () => {
  await withCache(async (cache, data, calls) => {
    const first = await cache.mod('example.com/m', 'v1.0.0');
    assert.ok(first.body.equals(MOD));
    await cache.flush();
    assert.ok((await readFile(path.join(data, 'cache/example.com/m/@v/v1.0.0.mod'))).equals(MOD));
    assert.deepEqual(calls, ['mod v1.0.0']);
  });
});

test('lookups while the write is still running are hits, not second fills', async () => {
  await withCache(async (cache, _data, calls) => {
    const [a, b] = await Promise.all([cache.mod('example.com/m', 'v1.0.0'), cache.mod('example.com/m', 'v1.0.0')]);
    const c = await cache.mod('example.com/m', 'v1.0.0');
    assert.equal(a.etag, b.etag);
    assert.equal(a.etag, c.etag);
    assert.deepEqual(calls, ['mod v1.0.0']);
  });
});

test('a stored exact .info is found again from disk by a new cache', async () => {
  await withCache(async (cache, data, calls) => {
    await cache.info('example.com/m', 'v1.2.3');
    await cache.flush();
    const storage = new FsStorage(data);
    const again = new ModuleCache(storage, fakeUpstream(calls), { listTTLms: 60_000, negativeTTLms: 0, memoryBytes: 1 << 20 });
    const info = await again.info('example.com/m', 'v1.2.3', { cachedOnly: true });
    assert.equal(info.immutable, true);
    assert.match(info.body.toString(), /"Version":"v1.2.3"/);
    assert.deepEqual(calls, ['info v1.2.3']);
  });
});

test('a .info query with punctuation a branch name may hold, such as feat(x), is filled and stored, not refused', async () => {
  // Found by the storage-key fuzz property: "=" and "feat(x)" escape fine but the storage refused their keys (400).
  await withCache(async (cache, data, calls) => {
    for (const query of ['feat(x)', '=', 'a#b,c&d', 'x[1]{2}^$%']) {
      const info = await cache.info('example.com/m', query);
      assert.equal(info.immutable, false);
    }
    await cache.flush();
    assert.ok((await readFile(path.join(data, 'cache/example.com/m/@q/feat(x).info'))).length > 0);
    assert.deepEqual(calls, ['info feat(x)', 'info =', 'info a#b,c&d', 'info x[1]{2}^$%']);
  });
});
