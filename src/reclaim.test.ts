import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reclaimer, reclaimCollections } from './reclaim.js';

test('a reclaimer collects once per `every` bytes passed, and not before', () => {
  const r = new Reclaimer(1 << 20);
  const before = reclaimCollections();
  for (let i = 0; i < 15; i++) r.passed(64 << 10);
  assert.equal(reclaimCollections(), before, '960 KiB passed: below the threshold');
  r.passed(64 << 10);
  assert.equal(reclaimCollections(), before + 1);
  for (let i = 0; i < 32; i++) r.passed(64 << 10);
  assert.equal(reclaimCollections(), before + 3);
});

test('a collection frees the buffers a stream dropped, without --expose-gc on the command line', async () => {
  assert.equal(typeof (globalThis as { gc?: unknown }).gc, 'undefined', 'the test itself runs without --expose-gc');
  const r = new Reclaimer(1 << 20);
  // Chunks a stream dropped, as a download drops them: made in an earlier task, referenced from nowhere.
  // (A young-generation collection frees their memory but runs no FinalizationRegistry callbacks: those
  // wait for a full collection, so the memory the process holds in buffers is what tells.)
  await new Promise<void>((resolve) =>
    setImmediate(() => {
      for (let i = 0; i < 32; i++) Buffer.allocUnsafeSlow(64 << 10).fill(i);
      resolve();
    }),
  );
  const before = process.memoryUsage().arrayBuffers;
  let after = before;
  for (let i = 0; i < 10 && before - after < 1 << 20; i++) {
    r.passed(1 << 20);
    await new Promise((resolve) => setTimeout(resolve, 10));
    after = process.memoryUsage().arrayBuffers;
  }
  assert.ok(before - after >= 1 << 20, `buffers held went from ${before} to ${after} bytes`);
});
