// A filled zip is answered from its validated scratch file, or from memory when the source read a small one
// there, while the commit to storage still runs; once committed it is read from storage, and a commit that
// fails is forgotten so the next request fills again. No scratch file is left behind either way.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import yazl from 'yazl';
import { Filler } from '../fill/filler.js';
import { SingleflightFill } from '../fill/singleflight.js';
import { FillEvents } from '../fill/types.js';
import { FsStore } from '../storage/fs-store.js';
import { Scratch } from '../storage/scratch.js';
import { Chain } from '../upstream/chain.js';
import type { RawSource } from '../upstream/source.js';
import { ModuleCache } from './module-cache.js';
import type { ZipHandle } from './zip-entries.js';

const MOD = 'example.com/m';

async function zipBytes(version: string, big: boolean): Promise<Buffer> {
  const z = new yazl.ZipFile();
  z.addBuffer(Buffer.from(`module ${MOD}\n`), `${MOD}@${version}/go.mod`);
  z.addBuffer(big ? Buffer.alloc(300 * 1024, 7) : Buffer.from('package m\n'), `${MOD}@${version}/m.go`);
  z.end();
  const parts: Buffer[] = [];
  for await (const c of z.outputStream) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

async function bodyOf(h: ZipHandle): Promise<Buffer> {
  if (h.body !== undefined) return h.body;
  const parts: Buffer[] = [];
  for await (const c of (await h.open()) as Readable) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

for (const [big, inMemory] of [
  [false, false],
  [true, false],
  [false, true],
] as const) {
  const what = `a ${big ? '300 KiB' : 'small'} zip${inMemory ? ' the source read into memory' : ''}`;
  test(`${what} is served while its commit runs, then from storage; a failed commit refills`, async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'gmp-commit-'));
    const zip = await zipBytes('v1.0.0', big);
    const zip2 = await zipBytes('v1.0.1', big);
    let fetches = 0;
    const source: RawSource = {
      name: 'fake',
      list: () => Promise.reject(new Error('unused')),
      info: () => Promise.reject(new Error('unused')),
      latest: () => Promise.reject(new Error('unused')),
      mod: () => Promise.reject(new Error('unused')),
      zip: async (_m, v, file) => {
        fetches++;
        const bytes = v === 'v1.0.0' ? zip : zip2;
        if (inMemory) return { size: bytes.length, bytes };
        await writeFile(file, bytes);
        return { size: bytes.length };
      },
    };
    const { scratch } = await Scratch.open(path.join(data, 'tmp'));
    const store = new FsStore(path.join(data, 'cache'), scratch);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let failNext = false;
    const slow = Object.create(store) as FsStore;
    slow.putFile = async (key, file) => {
      await gate;
      if (failNext) throw new Error('disk went away');
      return store.putFile(key, file);
    };
    // A zip held in memory is stored from its bytes: the same gate.
    slow.put = async (key, body) => {
      if (key.endsWith('.zip')) {
        await gate;
        if (failNext) throw new Error('disk went away');
      }
      return store.put(key, body);
    };
    const chain = new Chain([{ kind: 'source', source, fallBackOnError: false }]);
    const filler = new Filler({ route: () => chain, store: slow, scratch, gates: [], events: new FillEvents(), log: pino({ level: 'silent' }) });
    const cache = new ModuleCache(slow, new SingleflightFill(filler), { listTTLms: 0, negativeTTLms: 0, memoryBytes: 1 << 20 });
    try {
      const first = await cache.zip(MOD, 'v1.0.0');
      assert.ok((await bodyOf(first)).equals(zip), 'served from the scratch file or from memory');
      // Readers other than the route (a range, a stream) get the same bytes while the commit runs.
      const part: Buffer[] = [];
      for await (const c of (await first.open({ start: 10, end: 99 })) as Readable) part.push(c as Buffer);
      assert.ok(Buffer.concat(part).equals(zip.subarray(10, 100)), 'a range while committing');
      assert.equal(await store.stat('example.com/m/@v/v1.0.0.zip'), undefined, 'not in storage yet');
      assert.ok((await bodyOf(await cache.zip(MOD, 'v1.0.0'))).equals(zip), 'a second request while committing');
      release();
      await cache.flush();
      assert.ok((await readFile(path.join(data, 'cache/example.com/m/@v/v1.0.0.zip'))).equals(zip));
      assert.ok((await bodyOf(await cache.zip(MOD, 'v1.0.0'))).equals(zip), 'from storage after the commit');
      assert.equal(fetches, 1);

      // A commit that fails: the answer was right, the entry is forgotten, and the next request fills again.
      failNext = true;
      assert.ok((await bodyOf(await cache.zip(MOD, 'v1.0.1'))).equals(zip2));
      await cache.flush();
      assert.equal(await store.stat('example.com/m/@v/v1.0.1.zip'), undefined);
      failNext = false;
      assert.ok((await bodyOf(await cache.zip(MOD, 'v1.0.1'))).equals(zip2));
      await cache.flush();
      assert.equal(fetches, 3, 'filled again after the failed commit');
      assert.ok((await store.stat('example.com/m/@v/v1.0.1.zip')) !== undefined);
      assert.deepEqual(await readdir(scratch.dir), [], 'no scratch file left behind');
    } finally {
      release();
      await cache.flush();
      await store.close();
      await scratch.close();
      await rm(data, { recursive: true, force: true });
    }
  });
}

test('a bad zip written to scratch by one upstream, then a good one in memory from the next: stored, and no scratch file left', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-commit-'));
  const zip = await zipBytes('v1.0.0', false);
  const unused = () => Promise.reject(new Error('unused'));
  const source = (name: string, zipOf: RawSource['zip']): RawSource => ({ name, list: unused, info: unused, latest: unused, mod: unused, zip: zipOf });
  const bad = source('bad', async (_m, _v, file) => {
    await writeFile(file, 'not a zip at all');
    return { size: 16 };
  });
  const good = source('good', async () => ({ size: zip.length, bytes: zip }));
  const { scratch } = await Scratch.open(path.join(data, 'tmp'));
  const store = new FsStore(path.join(data, 'cache'), scratch);
  const chain = new Chain([
    { kind: 'source', source: bad, fallBackOnError: true },
    { kind: 'source', source: good, fallBackOnError: false },
  ]);
  const filler = new Filler({ route: () => chain, store, scratch, gates: [], events: new FillEvents(), log: pino({ level: 'silent' }) });
  const cache = new ModuleCache(store, new SingleflightFill(filler), { listTTLms: 0, negativeTTLms: 0, memoryBytes: 1 << 20 });
  try {
    assert.ok((await bodyOf(await cache.zip(MOD, 'v1.0.0'))).equals(zip));
    await cache.flush();
    assert.ok((await readFile(path.join(data, 'cache/example.com/m/@v/v1.0.0.zip'))).equals(zip));
    assert.deepEqual(await readdir(scratch.dir), [], 'the bad upstream’s scratch file is removed');
  } finally {
    await cache.flush();
    await store.close();
    await scratch.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('a shutdown waits for the commit of a zip already answered: settled() ends only once it is stored', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-commit-'));
  const zip = await zipBytes('v1.0.0', false);
  const unused = () => Promise.reject(new Error('unused'));
  const source: RawSource = { name: 'fake', list: unused, info: unused, latest: unused, mod: unused, zip: async () => ({ size: zip.length, bytes: zip }) };
  const { scratch } = await Scratch.open(path.join(data, 'tmp'));
  const store = new FsStore(path.join(data, 'cache'), scratch);
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const slow = Object.create(store) as FsStore;
  slow.put = async (key, body) => {
    if (key.endsWith('.zip')) await gate;
    return store.put(key, body);
  };
  const chain = new Chain([{ kind: 'source', source, fallBackOnError: false }]);
  const filler = new Filler({ route: () => chain, store: slow, scratch, gates: [], events: new FillEvents(), log: pino({ level: 'silent' }) });
  try {
    const filled = await filler.fill({ kind: 'zip', module: MOD, version: 'v1.0.0' });
    assert.equal(filled.kind, 'zip');
    let settled = false;
    const done = filler.settled().then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(settled, false, 'settled while the zip was still being stored');
    release();
    await done;
    assert.ok((await readFile(path.join(data, 'cache/example.com/m/@v/v1.0.0.zip'))).equals(zip), 'stored by the time settled() ends');
  } finally {
    release();
    await filler.settled();
    await store.close();
    await scratch.close();
    await rm(data, { recursive: true, force: true });
  }
});
