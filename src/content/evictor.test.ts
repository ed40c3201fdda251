import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { LeaseExclusive } from '../coord/exclusive.js';
import { LocalCoordinator } from '../coord/local.js';
import { Metrics } from '../metrics.js';
import { MemoryStore } from '../storage/memory-store.js';
import { listAll } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import { AccessTimes } from './access-times.js';
import { versionLocks } from './bundled-marks.js';
import { bundledKey, pinKey } from './content-keys.js';
import { Evictor } from './evictor.js';
import type { EvictorOptions } from './evictor.js';
import { ZipReaders } from './zip-readers.js';

const log = pino({ level: 'silent' });
const ZIP = 100;

/** A disk of `size` bytes holding the store and `other` bytes of other data, as statfs would tell. */
interface Disk {
  size: number;
  other: number;
  measured: number;
}

async function setup(modules: string[], opts: { now?: () => number; coord?: LocalCoordinator; readers?: ZipReaders; disk?: Disk } = {}) {
  const store = new MemoryStore();
  const content = new MemoryStore();
  for (const m of modules) {
    await store.put(artifactKey(m, 'v1.0.0', 'zip'), Buffer.alloc(ZIP));
    await store.put(artifactKey(m, 'v1.0.0', 'ziphash'), `h1:${'A'.repeat(43)}=`);
    await store.put(artifactKey(m, 'v1.0.0', 'mod'), `module ${m}\n`);
  }
  const access = new AccessTimes(content, log, opts.now ?? Date.now, 1000);
  const metrics = new Metrics({ defaultMetrics: false });
  const { disk } = opts;
  const space =
    disk === undefined
      ? undefined
      : async () => {
          disk.measured++;
          return { size: disk.size, available: disk.size - disk.other - (await bytes(store)) };
        };
  const coord = opts.coord ?? new LocalCoordinator();
  const evictor = (maxBytes: number, more: Partial<EvictorOptions> = {}) =>
    new Evictor(
      {
        store,
        content,
        coord,
        locks: new LeaseExclusive(coord),
        access,
        metrics,
        log,
        redact: (p) => p,
        isPrivate: (p) => p.startsWith('corp.example/'),
        pinnedByConfig: [{ path: 'example.com/config-pin', version: 'v1.0.0' }],
        readers: opts.readers,
        space,
      },
      { maxBytes, highPercent: 95, lowPercent: 85, ...more },
    );
  return { store, content, access, metrics, evictor };
}

async function zips(store: MemoryStore): Promise<string[]> {
  const out: string[] = [];
  for await (const k of listAll(store, '')) if (k.endsWith('.zip')) out.push(k.slice(0, k.indexOf('/@v/')));
  return out.sort();
}

async function bytes(store: MemoryStore): Promise<number> {
  let n = 0;
  for await (const k of listAll(store, '')) n += (await store.stat(k))?.size ?? 0;
  return n;
}

test('a pass evicts the least recently used zips until the low watermark and keeps .mod, .info and the h1', async () => {
  let now = Date.now() + 10_000;
  const names = ['example.com/a', 'example.com/b', 'example.com/c', 'example.com/d', 'example.com/e'];
  const { store, access, evictor } = await setup(names, { now: () => now });
  // Served in the order e, d, c, b, a: a is the most recently used.
  for (const m of [...names].reverse()) {
    now += 5000;
    access.touch(m, 'v1.0.0');
  }
  await new Promise((r) => setImmediate(r));
  const total = await bytes(store);
  // The low watermark falls between two and three zips below the total.
  const cap = Math.round((total - 150) / 0.85);
  const result = await evictor(cap).pass();
  assert.ok(result !== undefined);
  assert.ok(result.after <= (cap * 85) / 100, `${result.after} bytes left`);
  assert.equal(await bytes(store), result.after);
  assert.deepEqual(await zips(store), ['example.com/a', 'example.com/b', 'example.com/c']);
  for (const m of ['example.com/d', 'example.com/e']) {
    assert.ok((await store.stat(artifactKey(m, 'v1.0.0', 'ziphash'))) !== undefined, 'the h1 stays');
    assert.ok((await store.stat(artifactKey(m, 'v1.0.0', 'mod'))) !== undefined, 'the go.mod stays');
  }
});

test('private, pinned (by command or by --pin-from) and bundled versions are never evicted', async () => {
  const names = ['corp.example/secret', 'example.com/pinned', 'example.com/config-pin', 'example.com/bundled', 'example.com/plain'];
  const { store, content, metrics, evictor } = await setup(names);
  await content.put(pinKey('example.com/pinned', 'v1.0.0'), '');
  await content.put(bundledKey('example.com/bundled', 'v1.0.0'), '');
  const result = await evictor(100).pass();
  assert.equal(result?.evicted, 1);
  assert.deepEqual(await zips(store), ['corp.example/secret', 'example.com/bundled', 'example.com/config-pin', 'example.com/pinned']);
  const text = await metrics.registry.metrics();
  assert.match(text, /gomodproxy_cache_protected_versions\{reason="pinned"\} 2/);
  assert.match(text, /gomodproxy_cache_protected_versions\{reason="bundled"\} 1/);
  assert.match(text, /gomodproxy_cache_evicted_total 1/);
});

test('an import mark without its zip is not counted, stays while the version is locked (an import under way), then is removed', async () => {
  const coord = new LocalCoordinator();
  const { content, metrics, evictor } = await setup(['example.com/bundled', 'example.com/plain'], { coord });
  await content.put(bundledKey('example.com/bundled', 'v1.0.0'), '');
  await content.put(bundledKey('example.com/cut', 'v1.0.0'), '');
  const importing = await new LeaseExclusive(coord).tryHold(versionLocks('example.com/cut', 'v1.0.0')[2] as string);
  assert.ok(importing !== undefined);
  assert.equal((await evictor(100).pass())?.evicted, 1);
  assert.match(await metrics.registry.metrics(), /gomodproxy_cache_protected_versions\{reason="bundled"\} 1\n/);
  assert.notEqual(await content.stat(bundledKey('example.com/cut', 'v1.0.0')), undefined, 'an import may be about to store its zip');
  await importing.release();
  assert.equal((await evictor(100).pass())?.evicted, 0);
  assert.equal(await content.stat(bundledKey('example.com/cut', 'v1.0.0')), undefined);
  assert.notEqual(await content.stat(bundledKey('example.com/bundled', 'v1.0.0')), undefined);
});

test('under the high watermark a pass removes nothing', async () => {
  const { store, evictor } = await setup(['example.com/a', 'example.com/b']);
  const result = await evictor(10_000).pass();
  assert.deepEqual(result, { before: await bytes(store), after: await bytes(store), evicted: 0 });
  assert.equal((await zips(store)).length, 2);
});

test('only one evictor runs at a time: a second one finds the lease taken and does nothing', async () => {
  const coord = new LocalCoordinator();
  const { store, evictor } = await setup(['example.com/a', 'example.com/b', 'example.com/c'], { coord });
  const held = await coord.acquire('evict:cache', 60_000);
  assert.ok(held !== undefined);
  assert.equal(await evictor(100).pass(), undefined);
  assert.equal((await zips(store)).length, 3);
  await coord.release(held);
  assert.equal((await evictor(100).pass())?.evicted, 3);
});

test('access times cost one write per version and time bucket, and the evictor keeps only the newest', async () => {
  let now = 10_000;
  const { content, access } = await setup([], { now: () => now });
  for (let i = 0; i < 50; i++) access.touch('example.com/a', 'v1.0.0');
  now += 1000;
  access.touch('example.com/a', 'v1.0.0');
  await new Promise((r) => setImmediate(r));
  const keys = [];
  for await (const k of listAll(content, 'access/')) keys.push(k);
  assert.deepEqual(keys, ['access/example.com/a@v1.0.0/10000', 'access/example.com/a@v1.0.0/11000']);
  assert.deepEqual([...(await access.load())], [['example.com/a@v1.0.0', 11000]]);
  const after = [];
  for await (const k of listAll(content, 'access/')) after.push(k);
  assert.deepEqual(after, ['access/example.com/a@v1.0.0/11000']);
});

test('a zip being read is not evicted until its reader is done; the pass takes the next one instead', async () => {
  const readers = new ZipReaders();
  const names = ['example.com/a', 'example.com/b', 'example.com/c'];
  const { store, evictor } = await setup(names, { readers });
  const release = readers.acquire(artifactKey('example.com/a', 'v1.0.0', 'zip'));
  // Over the cap: the low watermark needs two of the three zips gone, and a (the oldest) is being read.
  const cap = Math.round((await bytes(store)) - ZIP / 2);
  const first = await evictor(cap).pass();
  assert.equal(first?.evicted, 2);
  assert.deepEqual(await zips(store), ['example.com/a'], 'the zip being read stays');
  release();
  release();
  assert.equal(readers.has(artifactKey('example.com/a', 'v1.0.0', 'zip')), false, 'a release counts once');
});

test('a kick made while a pass runs waits for one more pass, which every such kick shares', async () => {
  const names = ['example.com/a', 'example.com/b', 'example.com/c'];
  const { store, evictor } = await setup(names);
  const e = evictor(1 << 20);
  const order: string[] = [];
  const running = e.kick();
  void running.then(() => order.push('running'));
  // The running pass may have scanned before these kicks' callers stored what they want counted.
  const next = e.kick();
  assert.notEqual(next, running, 'a kick during a pass does not resolve with that pass');
  assert.equal(e.kick(), next, 'kicks during one pass share the one that follows it');
  await store.put(artifactKey('example.com/d', 'v1.0.0', 'zip'), Buffer.alloc(ZIP));
  const result = await next;
  order.push('next');
  assert.deepEqual(order, ['running', 'next']);
  assert.ok(result !== undefined);
  assert.equal(result.before, await bytes(store), 'the later pass counted the zip stored during the first');
});

test('with no cap, a disk below --cache-min-free loses least recently used zips until a quarter more than the minimum is free', async () => {
  let now = Date.now() + 10_000;
  const names = ['example.com/a', 'example.com/b', 'example.com/c', 'example.com/d'];
  const disk = { size: 2000, other: 0, measured: 0 };
  const { store, access, evictor } = await setup(names, { now: () => now, disk });
  for (const m of [...names].reverse()) {
    now += 5000;
    access.touch(m, 'v1.0.0');
  }
  await new Promise((r) => setImmediate(r));
  // Other data takes every byte left; 10 % must be free: 250 bytes once the pass is done, three zips (d, c, b).
  disk.other = disk.size - (await bytes(store));
  const result = await evictor(0, { minFree: { percent: 10 } }).pass();
  assert.equal(result?.evicted, 3);
  assert.deepEqual(await zips(store), ['example.com/a']);
  for (const m of names) assert.ok((await store.stat(artifactKey(m, 'v1.0.0', 'ziphash'))) !== undefined, 'the h1 stays');
});

test('with no cap and room on the disk, a pass measures the disk once and neither lists the store nor takes the lease', async () => {
  const coord = new LocalCoordinator();
  const disk = { size: 1 << 20, other: 0, measured: 0 };
  const { store, evictor } = await setup(['example.com/a', 'example.com/b'], { coord, disk });
  const held = await coord.acquire('evict:cache', 60_000);
  assert.ok(held !== undefined);
  assert.equal(await evictor(0, { minFree: { bytes: 1000 } }).pass(), undefined);
  assert.equal(disk.measured, 1);
  assert.equal((await zips(store)).length, 2);
});

test('a full disk wakes a pass at once; told again while it runs, no second pass follows', async () => {
  const disk = { size: 10_000, other: 0, measured: 0 };
  const { store, evictor } = await setup(['example.com/a', 'example.com/b', 'example.com/c'], { disk });
  const e = evictor(0, { minFree: { bytes: 200 } });
  disk.other = disk.size - (await bytes(store));
  const pass = e.diskFull();
  assert.equal(e.diskFull(), undefined, 'the pass under way is the answer');
  assert.equal((await pass)?.evicted, 3);
  // 250 bytes to free: three zips of 100, one pass, measured twice (before the lease and under it).
  assert.equal((await zips(store)).length, 0);
  assert.equal(disk.measured, 2);
});

test('without a way to measure its disk (an object store), --cache-min-free does nothing', async () => {
  const { evictor } = await setup(['example.com/a']);
  assert.equal(evictor(0, { minFree: { percent: 5 } }).active, false);
  assert.equal(evictor(1000, { minFree: { percent: 5 } }).active, true);
});

test('a disk left below --cache-min-free with nothing more to evict: fills stop starting passes until it is above again', async () => {
  const disk = { size: 10_000, other: 0, measured: 0 };
  // Private modules are never evicted.
  const { store, evictor } = await setup(['corp.example/a', 'corp.example/b'], { disk });
  const e = evictor(0, { minFree: { bytes: 500 } });
  const filled = () => e.filled({ module: 'corp.example/c', version: 'v1.0.0', kind: 'zip', size: 100, h1: '' });
  disk.other = disk.size - (await bytes(store));
  assert.equal((await e.pass())?.evicted, 0);
  let measured = disk.measured;
  filled();
  assert.equal(disk.measured, measured, 'no pass after the fill');
  // Room again (an operator cleaned up), 50 bytes above the minimum: a pass sees it, and the next fill of 100
  // bytes, taking the disk below the minimum, starts a pass again.
  disk.other = disk.size - (await bytes(store)) - 550;
  assert.equal(await e.pass(), undefined);
  measured = disk.measured;
  filled();
  assert.equal(disk.measured, measured + 1, 'a fill that takes the disk below the minimum starts a pass');
  await e.close();
});

test('over the cap with nothing evictable: fills stop starting passes until a band of new bytes is stored', async () => {
  // Private modules are never evicted: 300 bytes under a cap of 200 (high 190, low 170: a band of 20).
  const { store, evictor } = await setup(['corp.example/a', 'corp.example/b', 'corp.example/c']);
  let scans = 0;
  const list = store.list.bind(store);
  store.list = (...args) => {
    scans++;
    return list(...args);
  };
  const e = evictor(200);
  assert.equal((await e.pass())?.evicted, 0);
  const before = scans;
  for (let i = 0; i < 5; i++) e.filled({ module: 'corp.example/d', version: 'v1.0.0', kind: 'zip', size: 3, h1: '' });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(scans, before, '15 bytes more than the pass was left with: no pass');
  e.filled({ module: 'corp.example/d', version: 'v1.0.0', kind: 'zip', size: 10, h1: '' });
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(scans > before, 'a band more: a pass looks again');
  await e.close();
});
