// The read-ahead queue: bounded concurrency, one entry per key while it waits, drops past the queue's
// limit, failures counted and never thrown, and close() waiting for what runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReadAhead } from './read-ahead.js';

function deferred(): { promise: Promise<void>; resolve(): void; reject(e: Error): void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

test('runs at most `concurrency` jobs at once, the rest in order as slots free up', async () => {
  const counts: string[] = [];
  const ra = new ReadAhead(2, { count: (r) => counts.push(r) });
  const jobs = Array.from({ length: 4 }, () => deferred());
  const started: number[] = [];
  jobs.forEach((j, i) =>
    ra.schedule(`k${i}`, () => {
      started.push(i);
      return j.promise;
    }),
  );
  assert.deepEqual(started, [0, 1]);
  jobs[0]?.resolve();
  await tick();
  assert.deepEqual(started, [0, 1, 2]);
  jobs[1]?.reject(new Error('upstream said 404'));
  await tick();
  assert.deepEqual(started, [0, 1, 2, 3]);
  jobs[2]?.resolve();
  jobs[3]?.resolve();
  await ra.close();
  assert.deepEqual(counts.sort(), ['failed', 'filled', 'filled', 'filled']);
});

test('a key already waiting is not queued twice; past the queue limit versions are dropped and counted', async () => {
  const counts: string[] = [];
  const ra = new ReadAhead(1, { count: (r) => counts.push(r) }, 2);
  const block = deferred();
  const runs: string[] = [];
  const job = (k: string) => () => {
    runs.push(k);
    return k === 'first' ? block.promise : Promise.resolve();
  };
  ra.schedule('first', job('first'));
  ra.schedule('a', job('a'));
  ra.schedule('a', job('a'));
  ra.schedule('b', job('b'));
  ra.schedule('c', job('c'));
  assert.deepEqual(counts, ['dropped']);
  block.resolve();
  for (let i = 0; i < 10 && runs.length < 3; i++) await tick();
  await ra.close();
  assert.deepEqual(runs, ['first', 'a', 'b']);
});

test('with concurrency 0 it is off: nothing runs', async () => {
  const ra = new ReadAhead(0);
  let ran = false;
  ra.schedule('k', async () => {
    ran = true;
  });
  await ra.close();
  assert.equal(ra.enabled, false);
  assert.equal(ran, false);
});

test('close drops what waits and waits for what runs', async () => {
  const ra = new ReadAhead(1);
  const block = deferred();
  const runs: string[] = [];
  ra.schedule('a', () => {
    runs.push('a');
    return block.promise;
  });
  ra.schedule('b', async () => {
    runs.push('b');
  });
  let closed = false;
  const closing = ra.close().then(() => (closed = true));
  await tick();
  assert.equal(closed, false);
  block.resolve();
  await closing;
  assert.deepEqual(runs, ['a']);
});
