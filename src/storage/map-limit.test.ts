import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapLimit } from './map-limit.js';

test('mapLimit keeps the items order and never runs more than the limit at once', async () => {
  let running = 0;
  let most = 0;
  const out = await mapLimit([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
    running++;
    most = Math.max(most, running);
    // Later items finish first now and then: the order of the results must not follow the finishing order.
    for (let i = 0; i < n; i++) await Promise.resolve();
    running--;
    return n * 10;
  });
  assert.deepEqual(out, [50, 10, 40, 20, 30, 0, 60]);
  assert.equal(most, 3);
  assert.deepEqual(await mapLimit([], 4, async () => assert.fail('called for no item')), []);
});

test('mapLimit rejects with the first failure', async () => {
  await assert.rejects(
    mapLimit([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error('two');
      return n;
    }),
    /two/,
  );
});
