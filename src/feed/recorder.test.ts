// The recorder: versions stored by any process are published by the one writer after the settle window,
// ordered by when they were stored (not by which process noticed first), and once each.
import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { TestContext } from 'node:test';
import pino from 'pino';
import type { Timers } from '../coord/elected-writer.js';
import { fakeTimers } from '../coord/fake-timers.js';
import { LocalCoordinator } from '../coord/local.js';
import { FillEvents } from '../fill/types.js';
import { localIoError } from '../errors.js';
import { LocalFailures } from '../storage/local-failures.js';
import { MemoryStore } from '../storage/memory-store.js';
import { IndexLog } from './index-log.js';
import { FeedRecorder, formatBatch, parseBatch } from './recorder.js';

const MS = 1_000_000n;

/**
 * A recorder over a shared store and coordinator (one per process), settling after 1 s on the given clock;
 * `zips` names the versions whose zips are stored (every one when absent).
 */
function openRecorder(store: MemoryStore, coord: LocalCoordinator, now: () => bigint, zips?: Set<string>, timers?: Timers) {
  const events = new FillEvents();
  const log = new IndexLog(store, coord, 'head');
  const recorder = new FeedRecorder({
    log,
    markers: store,
    coord,
    events,
    stored: async (p, v) => zips === undefined || zips.has(`${p}@${v}`),
    lease: 'index:writer',
    settleMs: 1000,
    logger: pino({ level: 'silent' }),
    redact: (p) => p,
    now,
    timers,
  });
  return { events, log, recorder };
}

test('two processes’ versions are published once each, after the settle window, in the order they were stored', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  let clock = 1_000_000n * MS;
  const open = () => openRecorder(store, coord, () => clock);
  const a = open();
  const b = open();
  await a.recorder.start();
  await b.recorder.start();
  const fill = (events: FillEvents, module: string) => events.emit('filled', { module, version: 'v1.0.0', kind: 'zip', size: 1 });
  // b stores first, a a moment later; a (the writer) only sees b's marker when it drains.
  fill(b.events, 'b.example/first');
  clock += 5n * MS;
  fill(a.events, 'a.example/second');
  fill(a.events, 'a.example/second');
  a.events.emit('filled', { module: 'a.example/mod-only', version: 'v1.0.0', kind: 'mod', size: 1 });
  await Promise.all([a.recorder.flush(), b.recorder.flush()]);
  // A fresh reader each time: readers may see the head as it was up to 250 ms ago.
  const read = () => new IndexLog(store, coord, 'head').read(0n, 10, () => true);
  clock += 500n * MS;
  await a.recorder.drain();
  assert.deepEqual(await read(), [], 'nothing has settled yet');
  clock += 600n * MS;
  await a.recorder.drain();
  const got = await read();
  assert.deepEqual(
    got.map((e) => e.path),
    ['b.example/first', 'a.example/second'],
  );
  assert.ok((got[0]?.ts as bigint) < (got[1]?.ts as bigint));
  // The same version stored again (an operator removed the zip, say) keeps its first entry.
  fill(b.events, 'b.example/first');
  await b.recorder.flush();
  clock += 2000n * MS;
  await a.recorder.drain();
  assert.equal((await read()).length, 2);
  assert.equal((await store.list('batches/')).keys.length, 0, 'markers are removed once published');
  await b.recorder.close();
  await a.recorder.close();
});

test('the writer reads another process’s marker once (an older release’s, of one version), however many ticks it waits to settle, and its own never', async () => {
  class CountingStore extends MemoryStore {
    readonly reads = new Map<string, number>();
    override read(key: string): Promise<Buffer | undefined> {
      this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
      return super.read(key);
    }
  }
  const store = new CountingStore();
  const coord = new LocalCoordinator();
  let clock = 1_000_000n * MS;
  const { events, recorder } = openRecorder(store, coord, () => clock);
  await recorder.start();
  const other = 'pending/b.example/m@v1.0.0';
  // Another process's marker, as it writes one: its stamp is only in the store.
  await store.put(other, clock.toString());
  events.emit('filled', { module: 'a.example/m', version: 'v1.0.0', kind: 'zip', size: 1 });
  await recorder.flush();
  for (let i = 0; i < 5; i++) {
    clock += 100n * MS;
    assert.equal((await recorder.drain()).appended, 0, 'not settled yet');
  }
  clock += 1000n * MS;
  assert.equal((await recorder.drain()).appended, 2);
  assert.equal(store.reads.get(other), 1);
  assert.deepEqual(
    [...store.reads.keys()].filter((k) => k.startsWith('batches/')),
    [],
    'the writer knows its own marker',
  );
  // Stored again later by the other process: a new marker, read again.
  await store.put(other, clock.toString());
  clock += 2000n * MS;
  await recorder.drain();
  assert.equal(store.reads.get(other), 2);
  assert.equal((await store.list('pending/')).keys.length, 0);
  assert.equal((await store.list('batches/')).keys.length, 0);
  await recorder.close();
});

test('versions stored within a moment travel in one marker; another process’s batch is read once and merged in stamp order', async () => {
  class CountingStore extends MemoryStore {
    readonly reads = new Map<string, number>();
    puts = 0;
    override read(key: string): Promise<Buffer | undefined> {
      this.reads.set(key, (this.reads.get(key) ?? 0) + 1);
      return super.read(key);
    }
    override put(key: string, data: Buffer | string): Promise<void> {
      if (key.startsWith('batches/')) this.puts++;
      return super.put(key, data);
    }
  }
  const store = new CountingStore();
  const coord = new LocalCoordinator();
  let clock = 1_000_000n * MS;
  const { events, recorder } = openRecorder(store, coord, () => clock);
  await recorder.start();
  const fill = (module: string) => events.emit('filled', { module, version: 'v1.0.0', kind: 'zip', size: 1 });
  for (const m of ['a.example/one', 'a.example/two', 'a.example/three']) {
    fill(m);
    clock += 2n * MS;
  }
  // Another process's batch, stamped between this one's versions, with a damaged line among them.
  const other = `batches/${(clock - 3n * MS).toString().padStart(20, '0')}-other`;
  await store.put(other, `${clock - 3n * MS} b.example/between@v1.0.0\nnot a line\n${clock - 5n * MS} B.example/Bad@v1\n`);
  await recorder.flush();
  assert.equal(store.puts, 2, 'one marker for the three versions stored here (and the other process’s)');
  clock += 2000n * MS;
  assert.equal((await recorder.drain()).appended, 4);
  const got = await new IndexLog(store, coord, 'head').read(0n, 10, () => true);
  assert.deepEqual(
    got.map((e) => e.path),
    ['a.example/one', 'a.example/two', 'b.example/between', 'a.example/three'],
  );
  assert.equal(store.reads.get(other), 1);
  assert.equal((await store.list('batches/')).keys.length, 0, 'published markers are removed');
  await recorder.close();
});

test('a batch marker keeps what names a module version with a stamp and skips every other line', () => {
  const entries = [
    { path: 'example.com/Upper/x', version: 'v1.2.3-pre', ts: 12n },
    { path: 'example.com/y', version: 'v2.0.0+incompatible', ts: 13n },
  ];
  assert.deepEqual(parseBatch(formatBatch(entries)), entries);
  const hostile = [
    '',
    ' 12 example.com/a@v1.0.0',
    '12 ../../etc@v1.0.0',
    'x example.com/a@v1.0.0',
    '12 example.com/a@notaversion',
    `${'9'.repeat(31)} example.com/a@v1.0.0`,
    '12 example.com/a@v1.0.0 extra',
  ];
  assert.deepEqual(parseBatch(hostile.join('\n')), []);
});

test('markers that meet a full disk are told once per run by the local failures, not one error line per batch', async () => {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) });
  // The store's own mapping of the system's ENOSPC, as a full disk under --data gives it.
  const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
  class FullStore extends MemoryStore {
    override put(): Promise<void> {
      return Promise.reject(localIoError(full, 'storing a marker'));
    }
  }
  const coord = new LocalCoordinator();
  const store = new MemoryStore();
  const events = new FillEvents();
  const recorder = new FeedRecorder({
    log: new IndexLog(store, coord, 'head'),
    markers: new FullStore(),
    coord,
    events,
    stored: async () => true,
    lease: 'index:writer',
    settleMs: 1000,
    logger,
    redact: (p) => p,
    failures: new LocalFailures(logger),
  });
  for (const m of ['a.example/one', 'a.example/two', 'a.example/three']) {
    events.emit('filled', { module: m, version: 'v1.0.0', kind: 'zip', size: 1 });
    await recorder.flush();
  }
  const errors = lines.filter((l) => l.level >= 40);
  assert.equal(errors.length, 1, JSON.stringify(errors));
  assert.match(errors[0]?.msg ?? '', /^local storage failing/);
});

test('a zip stored by a process killed before it heard so is published from the marker written before it, once stored, and only then', async (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const zips = new Set<string>();
  let clock = 1_000_000n * MS;
  const writer = openRecorder(store, coord, () => clock, zips);
  await writer.recorder.start();
  // Another process: it names each version before storing its zip, then is killed (no 'filled', no close).
  const dying = openRecorder(store, coord, () => clock, zips);
  await dying.events.beforeZip('b.example/stored', 'v1.0.0');
  zips.add('b.example/stored@v1.0.0');
  await dying.events.beforeZip('b.example/slow', 'v1.0.0');
  await dying.events.beforeZip('b.example/never', 'v1.0.0');
  const read = async () => (await new IndexLog(store, coord, 'head').read(0n, 10, () => true)).map((e) => e.path);
  clock += 2000n * MS;
  mock.timers.tick(2000);
  assert.equal((await writer.recorder.drain()).appended, 1);
  assert.deepEqual(await read(), ['b.example/stored'], 'a version whose zip is not stored is not listed');
  // A zip still being stored: published once it is.
  zips.add('b.example/slow@v1.0.0');
  mock.timers.tick(1000);
  assert.equal((await writer.recorder.drain()).appended, 1);
  assert.deepEqual(await read(), ['b.example/stored', 'b.example/slow']);
  // A zip never stored (its fill failed, or was killed before): the marker is given up after a while.
  assert.equal((await store.list('intents/')).keys.length, 1);
  mock.timers.tick(10 * 60_000);
  assert.equal((await writer.recorder.drain()).appended, 0);
  assert.equal((await store.list('intents/')).keys.length, 0, 'the last marker is removed');
  assert.deepEqual(await read(), ['b.example/stored', 'b.example/slow']);
  await writer.recorder.close();
});

test('a version named before its zip is stored and then heard of costs one marker write, and is listed once', async () => {
  class CountingStore extends MemoryStore {
    puts = 0;
    override put(key: string, data: Buffer | string): Promise<void> {
      if (key.startsWith('batches/') || key.startsWith('intents/')) this.puts++;
      return super.put(key, data);
    }
  }
  const store = new CountingStore();
  const coord = new LocalCoordinator();
  let clock = 1_000_000n * MS;
  const { events, log, recorder } = openRecorder(store, coord, () => clock);
  await recorder.start();
  // Three zips stored at once share a marker once one is being written.
  await Promise.all(['a.example/one', 'a.example/two', 'a.example/three'].map((m) => events.beforeZip(m, 'v1.0.0')));
  for (const m of ['a.example/one', 'a.example/two', 'a.example/three']) events.emit('filled', { module: m, version: 'v1.0.0', kind: 'zip', size: 1 });
  await recorder.flush();
  assert.ok(store.puts <= 2, `${store.puts} marker writes for three versions`);
  clock += 2000n * MS;
  assert.equal((await recorder.drain()).appended, 3);
  assert.equal(await log.size(true), 3);
  assert.equal((await store.list('intents/')).keys.length + (await store.list('batches/')).keys.length, 0);
  await recorder.close();
});

test('an idle writer looks for markers less and less often, yet publishes a version stored in its own process without waiting', async () => {
  class CountingStore extends MemoryStore {
    lists = 0;
    override list(prefix: string, opts?: { cursor?: string; limit?: number }) {
      this.lists++;
      return super.list(prefix, opts);
    }
  }
  const store = new CountingStore();
  const clock = fakeTimers();
  let now = 1_000_000n * MS;
  const { events, log, recorder } = openRecorder(store, new LocalCoordinator(), () => now, undefined, clock.timers);
  await recorder.start();
  for (let i = 0; i < 4; i++) await clock.tick();
  assert.deepEqual(clock.waits, [200, 400, 800, 1600, 1600], 'nothing to do: the waits grow up to 1.6 s');
  assert.equal(store.lists, 5 * 3, 'three listings a tick');
  // Another process's marker waits for the next tick; once there is work the writer looks every 200 ms.
  await store.put('batches/00000000000000000001', formatBatch([{ path: 'b.example/other', version: 'v1.0.0', ts: now }]));
  await clock.tick();
  assert.equal(clock.waits.at(-1), 200);
  now += 2000n * MS;
  await clock.tick();
  assert.equal(await log.size(true), 1);
  for (let i = 0; i < 3; i++) await clock.tick();
  assert.deepEqual(clock.waits.slice(-3), [400, 800, 1600]);
  // This process names a zip it is about to store: no tick yet, which would only find the zip missing.
  await events.beforeZip('a.example/own', 'v1.0.0');
  assert.equal(clock.waits.at(-1), 1600, 'not woken by the intent of a zip not stored yet');
  // Once the zip is stored, the writer ticks now, not after the idle wait.
  events.emit('filled', { module: 'a.example/own', version: 'v1.0.0', kind: 'zip', size: 1 });
  assert.equal(clock.waits.at(-1), 0, 'woken by its own stored zip');
  now += 2000n * MS;
  await clock.tick();
  assert.equal(await log.size(true), 2);
  await recorder.close();
});

/**
 * A writer that the test drains by itself (no tick of its own comes between), on a mocked Date; `clock.ns` is the
 * stamps' clock. `read` lists the feed's paths.
 */
async function drainedByHand(t: TestContext, zips: Set<string>) {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: Date.now() });
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const clock = { ns: 1_000_000n * MS };
  const { events, recorder } = openRecorder(store, coord, () => clock.ns, zips, fakeTimers().timers);
  await recorder.start();
  const read = async () => (await new IndexLog(store, coord, 'head').read(0n, 10, () => true)).map((e) => e.path);
  return { store, clock, events, recorder, read };
}

test('a version whose zip is stored a moment after its intent was found missing is published ahead of a version stored after it', async (t) => {
  const zips = new Set<string>();
  const { clock, events, recorder, read } = await drainedByHand(t, zips);
  const stored = (module: string) => {
    zips.add(`${module}@v1.0.0`);
    events.emit('filled', { module, version: 'v1.0.0', kind: 'zip', size: 1 });
  };
  await events.beforeZip('a.example/slow', 'v1.0.0');
  clock.ns += 1000n * MS;
  mock.timers.tick(1000);
  // A tick between the intent and its zip: the zip is not there yet.
  await recorder.drain();
  assert.deepEqual(await read(), []);
  // Its zip is stored now; another version is named, stored, and settles, all before INTENT_RECHECK_MS.
  stored('a.example/slow');
  clock.ns += 5n * MS;
  await events.beforeZip('b.example/later', 'v1.0.0');
  stored('b.example/later');
  clock.ns += 1000n * MS;
  mock.timers.tick(500);
  await recorder.drain();
  mock.timers.tick(600);
  await recorder.drain();
  assert.deepEqual(await read(), ['a.example/slow', 'b.example/later'], 'in the order the zips were stored');
  await recorder.close();
});

test('versions stamped after an intent whose zip is missing wait for that zip, for a few settle periods at most; those stamped before it do not', async (t) => {
  const zips = new Set<string>(['c.example/before@v1.0.0', 'c.example/after@v1.0.0', 'd.example/late@v1.0.0']);
  const { store, clock, events, recorder, read } = await drainedByHand(t, zips);
  // Another process's batch: one version stored just before the intent below, one just after it.
  const entry = (path: string, ts: bigint) => ({ path, version: 'v1.0.0', ts });
  const [before, after] = [entry('c.example/before', clock.ns - MS), entry('c.example/after', clock.ns + MS)];
  await store.put(`batches/${before.ts.toString().padStart(20, '0')}-other`, formatBatch([before, after]));
  await events.beforeZip('a.example/never', 'v1.0.0');
  clock.ns += 1100n * MS;
  mock.timers.tick(1000);
  await recorder.drain();
  assert.deepEqual(await read(), ['c.example/before'], 'the version stamped after the missing zip waits');
  // A fill whose zip never comes (it failed, or its process died): what follows goes out after a few settle periods.
  for (let i = 0; i < 5; i++) {
    mock.timers.tick(200);
    await recorder.drain();
  }
  assert.deepEqual(await read(), ['c.example/before'], 'still waiting a second later');
  mock.timers.tick(2000);
  await recorder.drain();
  assert.deepEqual(await read(), ['c.example/before', 'c.example/after']);
  assert.equal((await store.list('batches/')).keys.length, 0, 'the batch marker is removed once all its versions are published');
  assert.equal((await store.list('intents/')).keys.length, 1, 'the intent is kept until it is dropped');
  // An old intent holds nothing back.
  clock.ns += 10n * MS;
  await events.beforeZip('d.example/late', 'v1.0.0');
  clock.ns += 1000n * MS;
  mock.timers.tick(1000);
  await recorder.drain();
  assert.deepEqual(await read(), ['c.example/before', 'c.example/after', 'd.example/late']);
  await recorder.close();
});
