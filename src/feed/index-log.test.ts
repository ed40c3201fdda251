// The index log: once per version, stamps strictly growing in commit order whatever the stamps given, a
// new writer (another epoch) continuing the same order, and readers finding entries by time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalCoordinator } from '../coord/local.js';
import { MemoryStore } from '../storage/memory-store.js';
import { IndexLog } from './index-log.js';

const all = () => true;
const e = (path: string, version: string, ts: bigint) => ({ path, version, ts });

test('each version is appended once and stamps grow strictly, even when given out of order or in the future', async () => {
  const log = new IndexLog(new MemoryStore(), new LocalCoordinator(), 'head');
  log.epoch = 1;
  assert.equal(await log.append([e('a.example/m', 'v1.0.0', 100n), e('a.example/m', 'v1.1.0', 100n), e('a.example/m', 'v1.0.0', 90n)], 1000n), 2);
  assert.equal(await log.append([e('a.example/m', 'v1.1.0', 500n), e('b.example/m', 'v1.0.0', 50n), e('c.example/m', 'v1.0.0', 5000n)], 1000n), 2);
  const got = await log.read(0n, 10, all);
  assert.deepEqual(
    got.map((x) => [x.path, x.version, x.ts]),
    [
      ['a.example/m', 'v1.0.0', 100n],
      ['a.example/m', 'v1.1.0', 101n],
      ['b.example/m', 'v1.0.0', 102n],
      ['c.example/m', 'v1.0.0', 1000n],
    ],
  );
  assert.equal(await log.has('a.example/m', 'v1.1.0'), true);
  assert.equal(await log.has('a.example/m', 'v9.0.0'), false);
});

test('since is inclusive, limit counts visible entries, and hidden ones are skipped', async () => {
  const log = new IndexLog(new MemoryStore(), new LocalCoordinator(), 'head');
  log.epoch = 1;
  await log.append(
    Array.from({ length: 600 }, (_, i) => e(i % 3 === 0 ? 'private.example/m' : 'public.example/m', `v1.0.${i}`, BigInt(10 * (i + 1)))),
    1n << 62n,
  );
  assert.deepEqual(
    (await log.read(3000n, 3, all)).map((x) => x.ts),
    [3000n, 3010n, 3020n],
  );
  assert.deepEqual(
    (await log.read(3001n, 2, all)).map((x) => x.ts),
    [3010n, 3020n],
  );
  const visible = await log.read(0n, 1000, (p) => !p.startsWith('private.'));
  assert.equal(visible.length, 400);
  assert.ok(visible.every((x) => x.path === 'public.example/m'));
  assert.deepEqual(await log.read(6001n, 10, all), []);
});

test('a new writer continues after the old one: its stamps follow the last committed one, and a stale writer cannot commit', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const first = new IndexLog(store, coord, 'head');
  first.epoch = 1;
  await first.append([e('a.example/m', 'v1.0.0', 2000n)], 3000n);
  const second = new IndexLog(store, coord, 'head');
  second.epoch = 2;
  // Its clock is behind: the stamp still follows the last one.
  await second.append([e('b.example/m', 'v1.0.0', 10n), e('a.example/m', 'v1.0.0', 20n)], 500n);
  await assert.rejects(first.append([e('c.example/m', 'v1.0.0', 2500n)], 3000n), /changed by another writer/);
  const reader = new IndexLog(store, coord, 'head');
  assert.deepEqual(
    (await reader.read(0n, 10, all)).map((x) => `${x.path}@${x.version} ${x.ts}`),
    ['a.example/m@v1.0.0 2000', 'b.example/m@v1.0.0 2001'],
  );
});
