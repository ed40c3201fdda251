// NextFetch: the one fetch that requests waiting out the gap share, started by its timer or by anyone's fetch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GitError } from './git-run.js';
import { NextFetch } from './next-fetch.js';

test('every request joining before the fetch starts shares it; one joining after waits for the next', async () => {
  const next = new NextFetch();
  const fetches: Array<Promise<void>> = [];
  const start = () => {
    const fetch = Promise.resolve();
    fetches.push(fetch);
    next.started(fetch);
  };
  const a = next.join(0, start, []);
  const b = next.join(0, start, []);
  assert.equal(a, b);
  await Promise.all([a, b]);
  assert.equal(fetches.length, 1);
  const c = next.join(0, start, []);
  assert.notEqual(c, a);
  await c;
  assert.equal(fetches.length, 2);
});

test("a fetch someone else starts during the wait is the waiters' (the timer never fires), and its failure is theirs", async () => {
  const next = new NextFetch();
  let timerFired = false;
  const waiting = next.join(60_000, () => (timerFired = true), []);
  next.started(Promise.reject(new Error('remote unreachable')));
  await assert.rejects(waiting, /remote unreachable/);
  assert.equal(timerFired, false);
});

test('a stop ends the wait at once with the reason, starts nothing, and the next request waits anew', async () => {
  const next = new NextFetch();
  const cut = new AbortController();
  let started = 0;
  const waiting = next.join(60_000, () => started++, [{ signal: cut.signal, why: 'the fill was cut' }]);
  cut.abort();
  await assert.rejects(waiting, (err) => err instanceof GitError && /not started, the fill was cut/.test(err.message));
  const again = next.join(0, () => next.started(Promise.resolve()), []);
  assert.notEqual(again, waiting);
  await again;
  assert.equal(started, 0);
  const already = next.join(60_000, () => started++, [{ signal: AbortSignal.abort(), why: 'the repository is closing' }]);
  await assert.rejects(already, /not started, the repository is closing/);
  assert.equal(started, 0);
});
