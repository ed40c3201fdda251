import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { FillDeadline } from './deadline.js';

const policy = { baseMs: 60_000, minBytesPerSec: 1024 };

test('the deadline is the base plus the size at the minimum rate, counted from when the request began', () => {
  const d = new FillDeadline(policy, 'zip for example.com/m@v1.0.0', 1_000_000, () => 1_000_000);
  d.begin(10 * 1024);
  assert.equal(d.endsAt, 1_000_000 + 60_000 + 10_000);
  d.dispose();
});

test('without a Content-Length the deadline grows with the bytes that arrive', () => {
  const d = new FillDeadline(policy, 'list of example.com/m', 0, () => 0);
  d.begin();
  assert.equal(d.endsAt, 60_000);
  d.progress(2048);
  assert.equal(d.endsAt, 62_000);
  d.dispose();
});

test('nothing is enforced before the body begins; once it passes, the signal aborts with a 504 that says why', async () => {
  let now = 0;
  const d = new FillDeadline({ baseMs: 10, minBytesPerSec: 1024 }, 'zip for example.com/m@v1.0.0', 0, () => now);
  now = 1000;
  assert.equal(d.expired, false, 'not armed yet');
  d.begin(512);
  assert.equal(d.expired, true);
  const e = d.error();
  assert.equal(e.status, 504);
  assert.equal(e.code, 'GMP_ERR_FILL_DEADLINE');
  assert.match(e.message, /zip for example\.com\/m@v1\.0\.0: gave up after 1\.0s: the upstream sent it too slowly .*nothing was stored/);
  assert.equal(d.signal.reason, e);
});

test('the timer fires at the deadline even when no byte arrives', async () => {
  const d = new FillDeadline({ baseMs: 30, minBytesPerSec: 1 << 20 }, 'info of example.com/m', Date.now());
  d.begin(0);
  // The timer does not keep a process alive; a test must.
  const keepAlive = setInterval(() => undefined, 1000);
  await once(d.signal, 'abort').finally(() => clearInterval(keepAlive));
  assert.equal(d.expired, true);
});
