// Tests for the durable checksum log: same answers as the in-memory log, the same tree after a
// restart, and uncommitted bytes left by a crash cut away.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileLogStorage } from './file-log-storage.js';
import { MemoryLogStorage } from './log-storage.js';
import { serveSumdbPath } from './server-dispatch.js';
import { ServerLog } from './server-log.js';
import { PN_SIGNER } from './testdata/vectors.js';

const rec = (i: number) => ({ path: `example.com/m${i}`, version: 'v1.0.0', text: Buffer.from(`example.com/m${i} v1.0.0 h1:${i}=\n`) });
const PATHS = ['/latest', '/tile/8/0/000.p/9', '/tile/8/data/000.p/9', '/lookup/example.com/m4@v1.0.0'];

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-log-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function answers(log: ServerLog): Promise<string[]> {
  return Promise.all(PATHS.map(async (p) => (await serveSumdbPath(log, p)).body.toString('base64')));
}

describe('file log storage', () => {
  test('serves exactly what the in-memory log serves for the same appends', () =>
    withDir(async (dir) => {
      const mem = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
      const store = await FileLogStorage.open(dir);
      const file = new ServerLog(store, PN_SIGNER);
      for (const batch of [[0, 1, 2], [3], [4, 5, 6, 7, 8]]) {
        await mem.add(batch.map(rec));
        await file.add(batch.map(rec));
      }
      assert.deepEqual(await answers(file), await answers(mem));
      await store.close();
    }));

  test('a restart serves exactly the same tree, and ids and records survive', () =>
    withDir(async (dir) => {
      const first = await FileLogStorage.open(dir);
      const log = new ServerLog(first, PN_SIGNER);
      await log.add([0, 1, 2, 3, 4, 5, 6, 7, 8].map(rec));
      const before = await answers(log);
      await first.close();
      const second = await FileLogStorage.open(dir);
      const again = new ServerLog(second, PN_SIGNER);
      assert.deepEqual(await answers(again), before);
      assert.equal(await second.lookupId('example.com/m7@v1.0.0'), 7);
      assert.deepEqual(await again.add([rec(3)]), [3]);
      await assert.rejects(again.add([{ ...rec(3), text: Buffer.from('example.com/m3 v1.0.0 h1:other=\n') }]), /different record/);
      await second.close();
    }));

  test('bytes past the last commit (a crash mid-append) are cut and the log goes on', () =>
    withDir(async (dir) => {
      const first = await FileLogStorage.open(dir);
      await new ServerLog(first, PN_SIGNER).add([0, 1, 2].map(rec));
      await first.close();
      for (const f of ['records.dat', 'records.idx', 'hashes.dat', 'keys.txt']) await appendFile(path.join(dir, f), 'partial garbage');
      const second = await FileLogStorage.open(dir);
      const log = new ServerLog(second, PN_SIGNER);
      assert.equal((await log.tree()).n, 3);
      assert.equal(await second.lookupId('garbage'), undefined);
      await log.add([3, 4, 5, 6, 7, 8].map(rec));
      const mem = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
      await mem.add([0, 1, 2, 3, 4, 5, 6, 7, 8].map(rec));
      assert.deepEqual(await answers(log), await answers(mem));
      await second.close();
    }));

  test('reading past the committed end is refused', () =>
    withDir(async (dir) => {
      const store = await FileLogStorage.open(dir);
      assert.equal(await store.readHead(), null);
      await new ServerLog(store, PN_SIGNER).add([rec(0)]);
      await assert.rejects(store.readRecords(0, 2), /no records/);
      await assert.rejects(store.readHashes([1]), /no stored hash/);
      await store.close();
    }));
});
