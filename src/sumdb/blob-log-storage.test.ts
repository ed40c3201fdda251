// The checksum log in a blob store: the same answers as the in-memory log (across page boundaries and
// writer changes), readers in other processes see appends, and a stale writer can neither commit nor
// damage what a newer writer committed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalCoordinator } from '../coord/local.js';
import { MemoryStore } from '../storage/memory-store.js';
import { BlobLogStorage } from './blob-log-storage.js';
import { MemoryLogStorage } from './log-storage.js';
import { serveSumdbPath } from './server-dispatch.js';
import { ServerLog } from './server-log.js';
import { PN_SIGNER } from './testdata/vectors.js';

const rec = (i: number) => ({ path: `example.com/m${i}`, version: 'v1.0.0', text: Buffer.from(`example.com/m${i} v1.0.0 h1:${i}=\n`) });
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

async function answers(log: ServerLog, n: number): Promise<string[]> {
  const paths = [
    '/latest',
    `/tile/8/0/000${n < 256 ? `.p/${n}` : ''}`,
    `/tile/8/data/000${n < 256 ? `.p/${n}` : ''}`,
    `/lookup/example.com/m${n - 1}@v1.0.0`,
    '/lookup/example.com/m3@v1.0.0',
  ];
  if (n > 256) paths.push(`/tile/8/0/001.p/${n - 256}`, `/tile/8/data/001.p/${n - 256}`, `/tile/8/1/000.p/1`);
  return Promise.all(paths.map(async (p) => (await serveSumdbPath(log, p)).body.toString('base64')));
}

describe('blob log storage', () => {
  test('serves exactly what the in-memory log serves, across pages and writer changes', async () => {
    const store = new MemoryStore();
    const coord = new LocalCoordinator();
    const mem = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    const batches = [range(0, 3), range(3, 4), range(4, 250), range(250, 300), range(300, 301)];
    for (const [i, batch] of batches.entries()) {
      // Every batch by a new writer (a new epoch), as after failovers.
      const storage = new BlobLogStorage(store, coord, 'head');
      storage.epoch = 1000 + i;
      await new ServerLog(storage, PN_SIGNER).add(batch.map(rec));
      await mem.add(batch.map(rec));
    }
    const reader = new ServerLog(new BlobLogStorage(store, coord, 'head'), PN_SIGNER);
    assert.deepEqual(await answers(reader, 301), await answers(mem, 301));
  });

  test('a reader in another process sees records appended after it started, and their ids', async () => {
    const store = new MemoryStore();
    const coord = new LocalCoordinator();
    const writerStorage = new BlobLogStorage(store, coord, 'head');
    writerStorage.epoch = 7;
    const writer = new ServerLog(writerStorage, PN_SIGNER);
    const readerStorage = new BlobLogStorage(store, coord, 'head');
    const reader = new ServerLog(readerStorage, PN_SIGNER);
    assert.equal((await reader.tree()).n, 0);
    await writer.add(range(0, 5).map(rec));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await reader.tree()).n, 5);
    assert.equal(await readerStorage.lookupId('example.com/m4@v1.0.0'), 4);
    await writer.add(range(5, 9).map(rec));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await readerStorage.lookupId('example.com/m8@v1.0.0'), 8);
    await assert.rejects(reader.add([rec(20)]), /writer lease/, 'a process without the lease cannot append');
  });

  test('a stale writer paused between writing its pages and committing can neither commit nor damage the log', async () => {
    const store = new MemoryStore();
    const coord = new LocalCoordinator();
    const first = new BlobLogStorage(store, coord, 'head');
    first.epoch = 1;
    await new ServerLog(first, PN_SIGNER).add(range(0, 4).map(rec));
    // The stale writer (epoch 1) stalls in the middle of writing its pages for positions 4..5 …
    let resume: () => void = () => {};
    const gate = new Promise<void>((r) => (resume = r));
    const slowPuts = Object.assign(Object.create(store) as MemoryStore, {
      put: async (key: string, data: Buffer | string) => {
        if (key.startsWith('e1/')) await gate;
        return store.put(key, data);
      },
    });
    const stale = new BlobLogStorage(slowPuts, coord, 'head');
    stale.epoch = 1;
    const other = (i: number) => ({ path: `example.com/stale${i}`, version: 'v1.0.0', text: Buffer.from(`example.com/stale${i} v1.0.0 h1:s=\n`) });
    const staleAdd = new ServerLog(stale, PN_SIGNER).add([other(4), other(5)]);
    await new Promise((r) => setTimeout(r, 50));
    // … while a newer writer (epoch 2) takes over and commits positions 4..7.
    const fresh = new BlobLogStorage(store, coord, 'head');
    fresh.epoch = 2;
    await new ServerLog(fresh, PN_SIGNER).add(range(4, 8).map(rec));
    resume();
    await assert.rejects(staleAdd, /changed by another writer/);
    const mem = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    await mem.add(range(0, 8).map(rec));
    const reader = new BlobLogStorage(store, coord, 'head');
    assert.deepEqual(await answers(new ServerLog(reader, PN_SIGNER), 8), await answers(mem, 8));
    assert.equal(await reader.lookupId('example.com/stale4@v1.0.0'), undefined);
  });

  test('an append whose record pages fail ends its hash pages too before it fails: none lands after the next append', async () => {
    const store = new MemoryStore();
    const coord = new LocalCoordinator();
    let failRecords = true;
    let hashWrites = 0;
    const flaky = Object.assign(Object.create(store) as MemoryStore, {
      put: async (key: string, data: Buffer | string) => {
        if (key.startsWith('e1/r/') && failRecords) throw new Error('disk full');
        if (key.startsWith('e1/h/') && failRecords) {
          // The failing append's hash page takes longer than its record page, and than the next append's.
          await new Promise((r) => setTimeout(r, 40));
          hashWrites++;
        }
        return store.put(key, data);
      },
    });
    const storage = new BlobLogStorage(flaky, coord, 'head');
    storage.epoch = 1;
    const log = new ServerLog(storage, PN_SIGNER);
    await assert.rejects(log.add(range(0, 2).map(rec)), /disk full/);
    assert.equal(hashWrites, 1, 'the failed append waited for its hash page');
    failRecords = false;
    await log.add(range(0, 5).map(rec));
    const mem = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    await mem.add(range(0, 5).map(rec));
    // Any write of the failed append still under way has landed by now.
    await new Promise((r) => setTimeout(r, 80));
    assert.deepEqual(await answers(new ServerLog(new BlobLogStorage(store, coord, 'head'), PN_SIGNER), 5), await answers(mem, 5));
  });
});
