import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { LeaseExclusive } from '../coord/exclusive.js';
import { LocalCoordinator } from '../coord/local.js';
import { gmpError } from '../errors.js';
import { LockedFill } from './locked.js';
import type { Fill, Filled, Want } from './types.js';

/** An inner fill that records what it was asked, fails after `ms` (noting when), and never stores anything. */
function failingFill(seen: Want[], ms: number, failedAt: number[] = []): Fill {
  return {
    fill: async (want) => {
      seen.push(want);
      await sleep(ms);
      failedAt.push(Date.now());
      throw gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', 'upstream down');
    },
    stored: async (): Promise<Filled | undefined> => undefined,
  };
}

test('a process that waited for another one and then fills itself keeps the start of its request (its deadline counts the wait)', async () => {
  const coord = new LeaseExclusive(new LocalCoordinator());
  const log = pino({ level: 'silent' });
  const holderSeen: Want[] = [];
  const waiterSeen: Want[] = [];
  // Two processes sharing one coordinator: the holder's fill takes a while and fails.
  const holderFailedAt: number[] = [];
  const holder = new LockedFill(failingFill(holderSeen, 300, holderFailedAt), coord, log);
  const waiter = new LockedFill(failingFill(waiterSeen, 0), coord, log);
  const want: Want = { kind: 'zip', module: 'example.com/m', version: 'v1.0.0' };
  const first = holder.fill(want);
  await sleep(50);
  const second = waiter.fill(want);
  await assert.rejects(first, /upstream down/);
  await assert.rejects(second, /upstream down/);
  assert.equal(waiterSeen.length, 1, 'the waiter took over once the holder failed');
  // The waiter's own fill began only after the holder failed; its deadline counts from before that.
  const started = waiterSeen[0]?.startedAt ?? Number.NaN;
  const failed = holderFailedAt[0] ?? Number.NaN;
  // Same millisecond when both timers fire in one turn of a stalled event loop: still not before.
  assert.ok(started <= failed, `the waiter's fill counts from ${started - failed} ms after the holder failed: the wait would not count`);
  assert.ok((holderSeen[0]?.startedAt ?? Number.NaN) <= started);
});
