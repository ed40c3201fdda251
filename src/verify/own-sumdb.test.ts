// The own checksum database's record batching: close() waits for a batch already being hashed, so a
// version filled just before shutdown is in the log after a restart; a process that is not the writer hands
// its versions over in one marker per batch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { LocalCoordinator } from '../coord/local.js';
import type { Fill, Filled } from '../fill/types.js';
import { DURABLE, FillEvents } from '../fill/types.js';
import { MemoryStore } from '../storage/memory-store.js';
import { BlobLogStorage } from '../sumdb/blob-log-storage.js';
import { generateKey } from '../sumdb/note-keys.js';
import { OwnSumdb } from './own-sumdb.js';

const H = (c: string) => `h1:${c.repeat(43)}=`;

/** A fill that only answers from storage, with `stored`; the records never need a fill of their own here. */
function storedOnly(stored: Fill['stored']): Fill {
  return {
    stored,
    fill: async () => {
      throw new Error('not used');
    },
  };
}

/** A fill whose stored zips all hash to H('Z') and go.mods to H('M'). */
const storedFill = storedOnly(
  async (w): Promise<Filled> => ({ kind: w.kind, size: 1, h1: w.kind === 'zip' ? H('Z') : H('M'), fetchedAt: 0, durable: DURABLE }),
);

interface OpenOptions {
  /** The fill events it records from (default: none are emitted). */
  readonly events?: FillEvents;
  /** Where markers go (default: `store`). */
  readonly markers?: MemoryStore;
  /** Default: silent. */
  readonly logger?: pino.Logger;
}

/** An own checksum database over `store`, started, recording what `fill` holds and `events` announce. */
async function openOwn(store: MemoryStore, coord: LocalCoordinator, signerKey: string, fill: Fill, opts: OpenOptions = {}): Promise<OwnSumdb> {
  const own = new OwnSumdb({
    storage: new BlobLogStorage(store, coord, 'head'),
    markers: opts.markers ?? store,
    coord,
    signerKey,
    fill,
    events: opts.events ?? new FillEvents(),
    logger: opts.logger ?? pino({ level: 'silent' }),
    redact: (p) => p,
  });
  await own.start();
  return own;
}

/** What `own` has recorded for a version once it has, polling for up to 30 s (undefined after that). */
async function recordedSoon(own: OwnSumdb, module: string, version: string): ReturnType<OwnSumdb['recorded']> {
  for (let i = 0; i < 600; i++) {
    const r = await own.recorded(module, version);
    if (r !== undefined) return r;
    await new Promise((done) => setTimeout(done, 50));
  }
  return own.recorded(module, version);
}

test('close() waits for a batch whose hashing started before it was called', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  let hashing = false;
  // Slow enough that the batch timer has fired and the batch is still hashing when close() is called.
  const fill = storedOnly(async (w): Promise<Filled> => {
    hashing = true;
    await new Promise((r) => setTimeout(r, 300));
    return { kind: w.kind, size: 1, h1: 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', fetchedAt: 0, durable: DURABLE };
  });
  const open = () => openOwn(store, coord, signerKey, fill);
  const own = await open();
  own.record('example.com/m', 'v1.0.0');
  while (!hashing) await new Promise((r) => setTimeout(r, 10));
  await own.close();
  const again = await open();
  try {
    assert.equal((await again.log.tree()).n, 1);
  } finally {
    await again.close();
  }
});

test('a version whose hashes the fill events announced is recorded from them; one missing its .mod hash is read from storage', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  const asked: string[] = [];
  const fill = storedOnly(async (w): Promise<Filled> => {
    asked.push(`${w.module}@${w.version} ${w.kind}`);
    return { kind: w.kind, size: 1, h1: w.kind === 'zip' ? H('C') : H('D'), fetchedAt: 0, durable: DURABLE };
  });
  const events = new FillEvents();
  const own = await openOwn(store, coord, signerKey, fill, { events });
  try {
    events.emit('filled', { module: 'example.com/a', version: 'v1.0.0', kind: 'mod', size: 1, h1: H('A') });
    events.emit('filled', { module: 'example.com/a', version: 'v1.0.0', kind: 'zip', size: 1, h1: H('B') });
    events.emit('filled', { module: 'example.com/b', version: 'v1.0.0', kind: 'zip', size: 1, h1: H('C') });
    await own.flush();
    assert.deepEqual(asked.sort(), ['example.com/b@v1.0.0 mod', 'example.com/b@v1.0.0 zip']);
    assert.equal((await own.recorded('example.com/a', 'v1.0.0'))?.text, `example.com/a v1.0.0 ${H('B')}\nexample.com/a v1.0.0/go.mod ${H('A')}\n`);
    assert.equal((await own.recorded('example.com/b', 'v1.0.0'))?.text, `example.com/b v1.0.0 ${H('C')}\nexample.com/b v1.0.0/go.mod ${H('D')}\n`);
  } finally {
    await own.close();
  }
});

test('a zip or go.mod that comes without its hash is not recorded (no "undefined" in the signed log)', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  const fill = storedOnly(
    async (w): Promise<Filled> => ({
      kind: w.kind,
      size: 1,
      h1: w.kind === 'zip' ? undefined : `h1:${'D'.repeat(43)}=`,
      fetchedAt: 0,
      durable: DURABLE,
    }),
  );
  const own = await openOwn(store, coord, signerKey, fill);
  try {
    await assert.rejects(own.gosum('example.com/a', 'v1.0.0'), /zip came without its h1: hash/);
    own.record('example.com/a', 'v1.0.0');
    await own.flush();
    assert.equal(await own.recorded('example.com/a', 'v1.0.0'), undefined);
    assert.equal((await own.log.tree()).n, 0);
  } finally {
    await own.close();
  }
});

test('a process that is not the writer leaves one marker for the versions it filled; the writer records them, and older one-version markers', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  const writer = await openOwn(store, coord, signerKey, storedFill);
  const other = await openOwn(store, coord, signerKey, storedFill);
  try {
    assert.ok(writer.writer && !other.writer);
    // The writer does not drain until these are in place: markers are listed every 200 ms.
    for (const m of ['example.com/one', 'example.com/two', 'example.com/three']) other.record(m, 'v1.0.0');
    await other.flush();
    const batches = (await store.list('batches/')).keys;
    assert.equal(batches.length, 1, 'one marker for the three versions');
    await store.put('pending/example.com/old@v1.0.0', '');
    await store.put('batches/000000000000001-damaged', 'not a version\nexample.com/four@v1.0.0\nexample.com/Bad@v1\n');
    const want = ['example.com/one', 'example.com/two', 'example.com/three', 'example.com/old', 'example.com/four'];
    for (let i = 0; ; i++) {
      const got = await Promise.all(want.map((m) => writer.recorded(m, 'v1.0.0')));
      if (got.every((r) => r !== undefined)) break;
      assert.ok(i < 1200, `recorded by the writer: ${want.filter((_, j) => got[j] === undefined).join(', ')} missing`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal((await writer.recorded('example.com/one', 'v1.0.0'))?.text, `example.com/one v1.0.0 ${H('Z')}\nexample.com/one v1.0.0/go.mod ${H('M')}\n`);
    assert.equal((await writer.log.tree()).n, 5);
    for (let i = 0; (await store.list('batches/')).keys.length + (await store.list('pending/')).keys.length > 0; i++) {
      assert.ok(i < 3000, 'markers are removed once recorded');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await other.close();
    await writer.close();
  }
});

test('a lookup on a process that is not the writer hands the version to the writer through its siblings: answered at once, no marker left', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  const writer = await openOwn(store, coord, signerKey, storedFill);
  const other = await openOwn(store, coord, signerKey, storedFill);
  const asked: string[] = [];
  // What the primary relays between two workers of one server (app/cluster-sumdb.ts).
  other.siblings = {
    submit: async (versions) => {
      asked.push(...versions.map((v) => `${v.modulePath}@${v.version}`));
      return (await Promise.all([writer.appendAsWriter(versions), other.appendAsWriter(versions)])).includes(true);
    },
  };
  try {
    assert.ok(writer.writer && !other.writer);
    const body = (await other.log.lookup('example.com/asked', 'v1.0.0')).toString();
    assert.match(body, /^0\nexample\.com\/asked v1\.0\.0 h1:Z{43}=\nexample\.com\/asked v1\.0\.0\/go\.mod h1:M{43}=\n\ngo\.sum database tree\n1\n/);
    assert.deepEqual(asked, ['example.com/asked@v1.0.0']);
    assert.deepEqual((await store.list('batches/')).keys, [], 'no marker: the writer appended it');
    // Without a writer among the siblings, the lookup still ends: through a marker, as before.
    other.siblings = { submit: async () => false };
    assert.match((await other.log.lookup('example.com/marked', 'v1.0.0')).toString(), /^1\nexample\.com\/marked v1\.0\.0 /);
  } finally {
    await other.close();
    await writer.close();
  }
});

test('a version whose hashes cannot be read for now is recorded by a later try, not dropped', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  let asked = 0;
  // The first look fails as a busy upstream or store would; the next ones answer.
  const fill = storedOnly(async (w): Promise<Filled> => {
    if (asked++ === 0) throw new Error('upstream busy');
    return { kind: w.kind, size: 1, h1: w.kind === 'zip' ? H('Z') : H('M'), fetchedAt: 0, durable: DURABLE };
  });
  const own = await openOwn(store, coord, signerKey, fill);
  try {
    own.record('example.com/late', 'v1.0.0');
    await own.flush();
    assert.equal(await own.recorded('example.com/late', 'v1.0.0'), undefined, 'the first try failed');
    assert.equal(
      (await recordedSoon(own, 'example.com/late', 'v1.0.0'))?.text,
      `example.com/late v1.0.0 ${H('Z')}\nexample.com/late v1.0.0/go.mod ${H('M')}\n`,
    );
  } finally {
    await own.close();
  }
});

test('a marker that cannot be stored for now is stored by a later try, and the writer records its versions', async () => {
  const store = new MemoryStore();
  let refused = 0;
  // The markers' store refuses the first marker, as a full or unreachable one would.
  const markers = Object.assign(Object.create(store) as MemoryStore, {
    put: async (key: string, data: Buffer | string) => {
      if (key.startsWith('batches/') && refused++ === 0) throw new Error('store unavailable');
      return store.put(key, data);
    },
  });
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  const writer = await openOwn(store, coord, signerKey, storedFill, { markers });
  const other = await openOwn(store, coord, signerKey, storedFill, { markers });
  try {
    assert.ok(writer.writer && !other.writer);
    other.record('example.com/marked', 'v1.0.0');
    await other.flush();
    assert.equal(refused, 1, 'the first marker was refused');
    assert.ok((await recordedSoon(writer, 'example.com/marked', 'v1.0.0')) !== undefined, 'recorded after the marker was stored again');
  } finally {
    await other.close();
    await writer.close();
  }
});

test('a version that never becomes readable is given up at close, with an error in the log', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const fill = storedOnly(async () => {
    throw new Error('gone for good');
  });
  const own = await openOwn(store, coord, signerKey, fill, { logger });
  own.record('example.com/never', 'v1.0.0');
  await own.flush();
  await own.close();
  assert.equal((await own.log.tree()).n, 0);
  assert.ok(
    lines.some((l) => /"level":40/.test(l) && /trying again/.test(l)),
    'a warning when it first failed',
  );
  assert.ok(
    lines.some((l) => /"level":50/.test(l) && /could not record a module/.test(l) && /example\.com\/never/.test(l)),
    'an error when given up',
  );
});

test('appends failing tick after tick (the head cannot be written) are logged once, and the version is recorded once they work', async () => {
  class UnwritableHead extends LocalCoordinator {
    failing = true;
    attempts = 0;
    override async cas(key: string, expected: string | undefined, next: string): Promise<boolean> {
      if (key === 'head') {
        this.attempts++;
        if (this.failing) throw Object.assign(new Error("EACCES: permission denied, open 'coord/head.tmp-1'"), { code: 'EACCES' });
      }
      return super.cas(key, expected, next);
    }
  }
  const store = new MemoryStore();
  const coord = new UnwritableHead();
  const { signerKey } = generateKey('sum.gomodproxy.local');
  const lines: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const own = await openOwn(store, coord, signerKey, storedFill, { logger });
  try {
    own.record('example.com/m', 'v1.0.0');
    await own.flush();
    // The writer tries again on its drain ticks: let several of them fail.
    for (let i = 0; i < 600 && coord.attempts < 8; i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(coord.attempts >= 8, `${coord.attempts} attempts`);
    assert.equal(lines.filter((l) => l.includes('could not append to the own checksum database')).length, 1, lines.join(''));
    coord.failing = false;
    assert.ok((await recordedSoon(own, 'example.com/m', 'v1.0.0')) !== undefined, 'recorded once the head can be written');
  } finally {
    await own.close();
  }
});
