// The unproven copies under relay/ go, page after page, and nothing beside them; one process at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LocalCoordinator } from '../coord/local.js';
import { listAll } from '../storage/blob-store.js';
import { MemoryStore } from '../storage/memory-store.js';
import { removeRelayRelics } from './relay-relics.js';

async function keys(store: MemoryStore): Promise<string[]> {
  const out: string[] = [];
  for await (const k of listAll(store, '')) out.push(k);
  return out;
}

test('every key under relay/ is removed, and only those: proven tiles, lookups and the tree head stay', async () => {
  const store = new MemoryStore();
  const kept = ['latest', 'lookup/example.com/a@v1.0.0', 'relay.txt', 'tile/8/0/000', 'tile/8/data/000.p/3'];
  for (const k of kept) await store.put(k, 'proven');
  for (let n = 0; n < 2500; n++) await store.put(`relay/tile/8/0/${String(n).padStart(3, '0')}`, 'unproven');
  assert.equal(await removeRelayRelics(store, new LocalCoordinator(), 'sum.test.example'), 2500);
  assert.deepEqual(await keys(store), kept);
});

test('while another process holds the work, this one leaves it to that one', async () => {
  const store = new MemoryStore();
  await store.put('relay/tile/8/0/000', 'unproven');
  const coord = new LocalCoordinator();
  const other = await coord.acquire('sumdb-relay-relics:sum.test.example', 60_000);
  assert.ok(other);
  assert.equal(await removeRelayRelics(store, coord, 'sum.test.example'), undefined);
  assert.deepEqual(await keys(store), ['relay/tile/8/0/000']);
});
