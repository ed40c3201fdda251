// The module cache over the real fill path (a filesystem store and a fake raw source as the upstream).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { Filler } from '../fill/filler.js';
import { SingleflightFill } from '../fill/singleflight.js';
import { FillEvents } from '../fill/types.js';
import { FsStore } from '../storage/fs-store.js';
import { Scratch } from '../storage/scratch.js';
import { Chain } from '../upstream/chain.js';
import type { RawSource } from '../upstream/source.js';
import { ModuleCache } from './module-cache.js';
import type { CacheOptions } from './module-cache.js';
import { writeModuleZip } from '../modzip/create-zip.js';
import { Readable } from 'node:stream';
import { copyFile, stat } from 'node:fs/promises';

const MOD = Buffer.from('module example.com/m\n\ngo 1.19\n');

function fakeUpstream(calls: string[]): RawSource {
  const none = () => Promise.reject(new Error('not used'));
  return {
    name: 'fake',
    list: none,
    latest: none,
    zip: none,
    info: async (_p, v) => {
      calls.push(`info ${v}`);
      // A query (branch name) resolves to a pseudo-version, as a real upstream answers.
      const version = /^v\d/.test(v) ? v : 'v0.0.0-20240102030405-abcdefabcdef';
      return Buffer.from(JSON.stringify({ Version: version, Time: '2024-01-02T03:04:05Z' }));
    },
    mod: async (_p, v) => {
      calls.push(`mod ${v}`);
      return MOD;
    },
  };
}

interface CacheSetup {
  readonly memoryBytes?: number;
  /** The upstream; fakeUpstream(calls) when absent. */
  readonly source?: RawSource;
  readonly zipServed?: CacheOptions['zipServed'];
}

interface TestCache {
  readonly cache: ModuleCache;
  readonly store: FsStore;
  /** Another cache on the same store and fill path: what another process finds. */
  another(): ModuleCache;
  close(): Promise<void>;
}

async function newCache(data: string, calls: string[], setup: CacheSetup = {}): Promise<TestCache> {
  const { scratch } = await Scratch.open(path.join(data, 'tmp'));
  const store = new FsStore(path.join(data, 'cache'), scratch);
  const chain = new Chain([{ kind: 'source', source: setup.source ?? fakeUpstream(calls), fallBackOnError: false }]);
  const filler = new Filler({ route: () => chain, store, scratch, gates: [], events: new FillEvents(), log: pino({ level: 'silent' }) });
  const options = { listTTLms: 60_000, negativeTTLms: 0, memoryBytes: setup.memoryBytes ?? 1 << 20, zipServed: setup.zipServed };
  const caches = [new ModuleCache(store, new SingleflightFill(filler), options)];
  return {
    cache: caches[0] as ModuleCache,
    store,
    another: () => caches[caches.push(new ModuleCache(store, new SingleflightFill(filler), options)) - 1] as ModuleCache,
    close: async () => {
      for (const c of caches) await c.close();
      await store.close();
      await scratch.close();
    },
  };
}

async function withCache(fn: (cache: ModuleCache, data: string, calls: string[], c: TestCache) => Promise<void>, setup?: CacheSetup): Promise<void> {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-mc-'));
  const calls: string[] = [];
  const c = await newCache(data, calls, setup);
  try {
    await fn(c.cache, data, calls, c);
  } finally {
    await c.close();
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
    const again = await newCache(data, calls);
    try {
      const info = await again.cache.info('example.com/m', 'v1.2.3', { cachedOnly: true });
      assert.equal(info.immutable, true);
      assert.match(info.body.toString(), /"Version":"v1.2.3"/);
      assert.deepEqual(calls, ['info v1.2.3']);
    } finally {
      await again.close();
    }
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

test('a refresh fetches list and @latest from upstream at once, inside their TTL, and later lookups see it', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-mc-'));
  let versions = ['v1.0.0'];
  const newest = () => versions.at(-1) as string;
  const upstream: RawSource = {
    ...fakeUpstream([]),
    list: async () => Buffer.from(versions.map((v) => `${v}\n`).join('')),
    latest: async () => Buffer.from(JSON.stringify({ Version: newest(), Time: '2024-01-02T03:04:05Z' })),
  };
  const { scratch } = await Scratch.open(path.join(data, 'tmp'));
  const store = new FsStore(path.join(data, 'cache'), scratch);
  const chain = new Chain([{ kind: 'source', source: upstream, fallBackOnError: false }]);
  const filler = new Filler({ route: () => chain, store, scratch, gates: [], events: new FillEvents(), log: pino({ level: 'silent' }) });
  const cache = new ModuleCache(store, new SingleflightFill(filler), { listTTLms: 600_000, negativeTTLms: 600_000, memoryBytes: 1 << 20 });
  try {
    assert.equal((await cache.list('example.com/m')).body.toString(), 'v1.0.0\n');
    versions = ['v1.0.0', 'v1.1.0'];
    assert.equal((await cache.list('example.com/m')).body.toString(), 'v1.0.0\n', 'inside the TTL the list is not fetched again');
    assert.deepEqual(await cache.refresh('example.com/m'), { versions: ['v1.0.0', 'v1.1.0'] });
    assert.equal((await cache.list('example.com/m')).body.toString(), 'v1.0.0\nv1.1.0\n');
    assert.equal(JSON.parse((await cache.latest('example.com/m')).body.toString()).Version, 'v1.1.0');
  } finally {
    await cache.close();
    await store.close();
    await scratch.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('the memory budget counts what an entry costs, and kept answers do not pin Node’s shared slabs', async () => {
  // 256 KiB, of which three quarters hold answers: about 180 entries of a 50-byte .info at ~1 KiB each.
  // Counted at 128 bytes of overhead (the old estimate), all 300 would stay and the budget would be a fiction.
  await withCache(
    async (cache) => {
      for (let i = 0; i < 300; i++) await cache.info('example.com/m', `v1.0.${i}`);
      await cache.flush();
      const kept = Array.from({ length: 300 }, (_, i) => cache.hot('info', 'example.com/m', `v1.0.${i}`)).filter((s) => s !== undefined);
      assert.ok(kept.length >= 100 && kept.length <= 200, `${kept.length} entries kept`);
      assert.equal(cache.hot('info', 'example.com/m', 'v1.0.0'), undefined, 'the oldest was evicted');
      for (const s of kept) assert.equal(s.body.buffer.byteLength, s.body.length, 'the body owns its memory');
    },
    { memoryBytes: 256 << 10 },
  );
});

for (const code of ['ENOSPC', 'EDQUOT'])
  test(`an .info or .mod whose write failed (${code}: a full disk, a disk quota used up) is filled again by the next request and then stored`, async () => {
    // Served right, but not stored: kept in memory, it would never be stored for the life of the process.
    const data = await mkdtemp(path.join(tmpdir(), 'gmp-mc-'));
    const calls: string[] = [];
    const { scratch } = await Scratch.open(path.join(data, 'tmp'));
    const store = new FsStore(path.join(data, 'cache'), scratch);
    let full = true;
    const flaky = Object.create(store) as FsStore;
    flaky.put = async (key, body) => {
      if (full) throw Object.assign(new Error(`${code}: no room left on device, write`), { code });
      return store.put(key, body);
    };
    const chain = new Chain([{ kind: 'source', source: fakeUpstream(calls), fallBackOnError: false }]);
    const filler = new Filler({ route: () => chain, store: flaky, scratch, gates: [], events: new FillEvents(), log: pino({ level: 'silent' }) });
    const cache = new ModuleCache(flaky, new SingleflightFill(filler), { listTTLms: 60_000, negativeTTLms: 0, memoryBytes: 1 << 20 });
    try {
      assert.ok((await cache.mod('example.com/m', 'v1.0.0')).body.equals(MOD));
      assert.match((await cache.info('example.com/m', 'v1.0.0')).body.toString(), /"Version":"v1.0.0"/);
      await cache.flush();
      full = false;
      assert.ok((await cache.mod('example.com/m', 'v1.0.0')).body.equals(MOD));
      assert.match((await cache.info('example.com/m', 'v1.0.0')).body.toString(), /"Version":"v1.0.0"/);
      await cache.flush();
      assert.ok((await readFile(path.join(data, 'cache/example.com/m/@v/v1.0.0.mod'))).equals(MOD));
      assert.match(await readFile(path.join(data, 'cache/example.com/m/@v/v1.0.0.info'), 'utf8'), /"Version":"v1.0.0"/);
      assert.deepEqual(calls, ['mod v1.0.0', 'info v1.0.0', 'mod v1.0.0', 'info v1.0.0']);
    } finally {
      await cache.close();
      await store.close();
      await scratch.close();
      await rm(data, { recursive: true, force: true });
    }
  });

test('a zip counts as used (for eviction) when there is one to serve, not when its fill fails', async () => {
  const used: string[] = [];
  // The fake upstream has no zips: every zip fill fails.
  const zipServed = (p: string, v: string) => void used.push(`${p}@${v}`);
  await withCache(
    async (cache, _data, _calls, { store }) => {
      await assert.rejects(cache.zip('example.com/m', 'v1.0.0'));
      assert.deepEqual(used, []);
      await store.put('example.com/stored/@v/v1.0.0.ziphash', `h1:${'A'.repeat(43)}=`);
      await store.put('example.com/stored/@v/v1.0.0.zip', 'PK');
      await cache.zip('example.com/stored', 'v1.0.0');
      assert.deepEqual(used, ['example.com/stored@v1.0.0']);
    },
    { zipServed },
  );
});

test('a zip this process filled is served with when it filled it; one found in storage without (access times)', async () => {
  const made = path.join(await mkdtemp(path.join(tmpdir(), 'gmp-mc-zip-')), 'made.zip');
  const file = (p: string, body: string) => ({ path: p, kind: 'file' as const, size: body.length, open: () => Readable.from([Buffer.from(body)]) });
  await writeModuleZip([file('go.mod', 'module example.com/m\n'), file('m.go', 'package m\n')], 'example.com/m', 'v1.0.0', made);
  const source: RawSource = {
    ...fakeUpstream([]),
    zip: async (_p, _v, to) => {
      await copyFile(made, to);
      return { size: (await stat(made)).size };
    },
  };
  const served: Array<number | undefined> = [];
  const zipServed = (_p: string, _v: string, storedAt?: number) => void served.push(storedAt);
  try {
    await withCache(
      async (first, _data, _calls, c) => {
        const before = Date.now();
        await first.zip('example.com/m', 'v1.0.0');
        await first.zip('example.com/m', 'v1.0.0');
        await first.close();
        // Another process (a new cache on the same store) finds it stored.
        await c.another().zip('example.com/m', 'v1.0.0');
        assert.equal(served.length, 3);
        for (const at of served.slice(0, 2)) assert.ok(at !== undefined && at >= before && at <= Date.now(), `filled here: ${at}`);
        assert.equal(served[2], undefined, 'found in storage');
      },
      { source, zipServed },
    );
  } finally {
    await rm(path.dirname(made), { recursive: true, force: true });
  }
});
