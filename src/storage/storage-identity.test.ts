// Whether a storage and its coordinator belong together: recorded on a first start (also by replicas racing
// at it, and on the first start after an upgrade, when the coordinator already has heads), and a wiped,
// new or other storage kept with the coordinator found before anything is served.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Coordinator } from '../coord/coordinator.js';
import { LocalCoordinator } from '../coord/local.js';
import { gmpError } from '../errors.js';
import { MemoryStore } from './memory-store.js';
import { PagedLog } from './paged-log.js';
import type { PagedHead } from './paged-log.js';
import { IDENTITY_VALUE, checkStorageIdentity, forgetStorage } from './storage-identity.js';
import type { IdentityPlace } from './storage-identity.js';

const parse = (raw: string | undefined): PagedHead => (raw === undefined ? { n: 0, segments: [] } : (JSON.parse(raw) as PagedHead));

function place(coord: Coordinator, store: MemoryStore, name = 'bucket-a'): IdentityPlace {
  return { coord, store, key: '_gomodproxy/storage-identity', storageName: name, logs: [{ what: 'the index feed', store, headKey: 'index/head' }] };
}

/** Commits records to a log whose pages are in `store` and whose head is in `coord`, as a writer does. */
async function fillLog(store: MemoryStore, coord: Coordinator, n: number): Promise<void> {
  const log = new PagedLog(store, coord, 'index/head', parse);
  log.epoch = 5;
  const { raw, head, segments, segment } = await log.begin();
  const records = Array.from({ length: n }, (_, i) => ({ key: `k${i}`, text: Buffer.from(`v${i}`) }));
  await log.writeRecords(segment, head.n, records);
  await log.commit(raw, { n: head.n + n, segments }, records);
}

test('a first start records the storage in the coordinator and in the storage; later starts find them the same', async () => {
  const coord = new LocalCoordinator();
  const store = new MemoryStore();
  const first = await checkStorageIdentity(place(coord, store));
  assert.equal(first.kind, 'same');
  assert.ok(first.kind === 'same' && first.recorded);
  const id = first.kind === 'same' ? first.id : '';
  assert.equal(await coord.get(IDENTITY_VALUE), id);
  assert.equal((await store.read('_gomodproxy/storage-identity'))?.toString().trim(), id);
  assert.deepEqual(await checkStorageIdentity(place(coord, store)), { kind: 'same', id, recorded: false, adopted: [] });
});

test('a coordinator kept with a wiped or new storage is a mismatch, and so is one with another storage', async () => {
  const coord = new LocalCoordinator();
  const a = new MemoryStore();
  await fillLog(a, coord, 3);
  assert.equal((await checkStorageIdentity(place(coord, a))).kind, 'same');
  const wiped = await checkStorageIdentity(place(coord, new MemoryStore(), 'bucket-b'));
  assert.equal(wiped.kind, 'mismatch');
  assert.match(
    wiped.kind === 'mismatch' ? wiped.why : '',
    /^the coordinator belongs to storage \S+, but the storage bucket-b has no identity: it is a new or wiped storage/,
  );
  // Another storage, used with another coordinator.
  const other = new MemoryStore();
  assert.equal((await checkStorageIdentity(place(new LocalCoordinator(), other))).kind, 'same');
  const got = await checkStorageIdentity(place(coord, other, 'bucket-c'));
  assert.match(got.kind === 'mismatch' ? got.why : '', /^the coordinator belongs to storage (\S+), but the storage bucket-c is storage (?!\1)\S+$/);
  // Nothing was written into the storages it refused.
  assert.deepEqual((await other.list('')).keys, ['_gomodproxy/storage-identity']);
});

test('the first start after an upgrade adopts a storage that has the pages of the coordinator’s heads, and refuses one that lacks them', async () => {
  const coord = new LocalCoordinator();
  const kept = new MemoryStore();
  await fillLog(kept, coord, 300);
  const got = await checkStorageIdentity(place(coord, kept));
  assert.ok(got.kind === 'same' && got.recorded);
  assert.deepEqual(got.kind === 'same' ? got.adopted : [], ['the index feed']);

  const coord2 = new LocalCoordinator();
  await fillLog(new MemoryStore(), coord2, 300);
  const wiped = new MemoryStore();
  const refused = await checkStorageIdentity(place(coord2, wiped));
  assert.equal(refused.kind, 'mismatch');
  assert.match(
    refused.kind === 'mismatch' ? refused.why : '',
    /holds the head of the log of the index feed, but the storage bucket-a lacks its pages \(e5\/r\/1, which holds record 299\)/,
  );
  assert.equal(await coord2.get(IDENTITY_VALUE), undefined);
  assert.deepEqual((await wiped.list('')).keys, []);
});

test('replicas racing at their first start agree on one identity', async () => {
  const coord = new LocalCoordinator();
  const store = new MemoryStore();
  const got = await Promise.all(Array.from({ length: 8 }, () => checkStorageIdentity(place(coord, store))));
  const ids = new Set(got.map((g) => (g.kind === 'same' ? g.id : g.kind)));
  assert.equal(ids.size, 1, JSON.stringify(got));
  const [id] = [...ids];
  assert.equal(await coord.get(IDENTITY_VALUE), id);
  assert.equal((await store.read('_gomodproxy/storage-identity'))?.toString().trim(), id);
});

test('a first start cut short after the coordinator chose the identity is finished by the next, with the same identity', async () => {
  const coord = new LocalCoordinator();
  const store = new MemoryStore();
  await coord.cas(IDENTITY_VALUE, undefined, 'pending:0b6f4d0e-3c4a-4f0e-9a51-2d6f3c1b7e90');
  const got = await checkStorageIdentity(place(coord, store));
  assert.deepEqual(got, { kind: 'same', id: '0b6f4d0e-3c4a-4f0e-9a51-2d6f3c1b7e90', recorded: true, adopted: [] });
  assert.equal(await coord.get(IDENTITY_VALUE), '0b6f4d0e-3c4a-4f0e-9a51-2d6f3c1b7e90');
});

test('a coordinator that does not answer leaves the check undone, without failing the start', async () => {
  const down = new LocalCoordinator();
  const unreachable = gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', 'the coordinator cannot be reached');
  down.get = () => Promise.reject(unreachable);
  const store = new MemoryStore();
  assert.deepEqual(await checkStorageIdentity(place(down, store)), { kind: 'unchecked', why: 'the coordinator cannot be reached' });
  assert.deepEqual((await store.list('')).keys, []);
});

test('a storage holding a malformed identity is refused', async () => {
  const store = new MemoryStore();
  await store.put('_gomodproxy/storage-identity', 'not an id');
  const got = await checkStorageIdentity(place(new LocalCoordinator(), store));
  assert.match(got.kind === 'mismatch' ? got.why : '', /holds a malformed identity/);
});

test('forgetting the storage drops the heads of its logs, and the next check records the storage it is given', async () => {
  const coord = new LocalCoordinator();
  await fillLog(new MemoryStore(), coord, 3);
  await coord.cas('tokens/x', undefined, 'kept');
  const old = await checkStorageIdentity(place(coord, new MemoryStore()));
  assert.equal(old.kind, 'mismatch');
  const wiped = new MemoryStore();
  assert.deepEqual(await forgetStorage(coord, place(coord, wiped).logs), ['the index feed']);
  assert.equal(await coord.get('index/head'), undefined);
  assert.equal(await coord.get('tokens/x'), 'kept');
  const got = await checkStorageIdentity(place(coord, wiped));
  assert.ok(got.kind === 'same' && got.recorded);
});
