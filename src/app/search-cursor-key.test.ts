// The search cursors' key: one for every process sharing a coordinator, however many ask for it at once, and a
// coordinator that cannot be reached is its error (a 503) until it answers, never a key of this process alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalCoordinator } from '../coord/local.js';
import { gmpError, isGmpError } from '../errors.js';
import { searchCursorKeyValue, sharedCursorKey } from './search-cursor-key.js';

test('processes that ask at once all get the one key the coordinator keeps', async () => {
  const coord = new LocalCoordinator();
  const keys = await Promise.all(Array.from({ length: 6 }, () => sharedCursorKey(coord)()));
  assert.equal(new Set(keys.map((k) => k.toString('hex'))).size, 1);
  assert.equal(keys[0]?.length, 32);
  assert.equal(Buffer.from((await coord.get(searchCursorKeyValue)) ?? '', 'base64').toString('hex'), keys[0]?.toString('hex'));
});

test('while the coordinator is down the key is its error, and it is fetched once it answers', async () => {
  const coord = new LocalCoordinator();
  let down = true;
  const flaky = {
    get: (k: string) => (down ? Promise.reject(gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', 'down')) : coord.get(k)),
    cas: (k: string, e: string | undefined, n: string) => coord.cas(k, e, n),
  };
  const key = sharedCursorKey(flaky);
  await assert.rejects(key(), (err: unknown) => isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE'));
  down = false;
  assert.equal((await key()).length, 32);
  down = true;
  assert.equal((await key()).length, 32, 'kept in memory once held');
});
