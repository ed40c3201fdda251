import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { LeaseExclusive } from '../coord/exclusive.js';
import { LocalCoordinator } from '../coord/local.js';
import { gmpError } from '../errors.js';
import { LockedFill } from './locked.js';
import type { Fill, Filled, Want } from './types.js';
import { lockNameOf } from './types.js';

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

test("a fill waiting on another process's fill is cut at shutdown: it ends at once, is told once, and never fills after the cut", async () => {
  const coord = new LeaseExclusive(new LocalCoordinator());
  const lines: Array<{ msg: string; module?: string }> = [];
  const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { msg: string; module?: string }) });
  const want: Want = { kind: 'mod', module: 'corp.example/dep', version: 'v1.0.0' };
  // Another process holds the key for as long as it likes (a slow git server behind it).
  const other = await coord.tryHold(lockNameOf(want));
  assert.ok(other !== undefined);
  let cut = new AbortController();
  const seen: Want[] = [];
  const waiter = new LockedFill(failingFill(seen, 0), coord, log, undefined, { cut: () => cut.signal, redact: () => '<private>' });
  const waiting = waiter.fill(want);
  await sleep(100);
  const asked = cut;
  // What the fill path does at shutdown: the running fills' cut aborts, later fills get a fresh one.
  cut = new AbortController();
  asked.abort(gmpError('GMP_ERR_SHUTTING_DOWN', 'fill cut by shutdown; nothing was stored'));
  // The other process then ends its fill with nothing stored: a waiter still waiting would take over now.
  await other.release();
  await assert.rejects(waiting, (err: unknown) => (err as { code?: string }).code === 'GMP_ERR_SHUTTING_DOWN');
  await sleep(50);
  assert.equal(seen.length, 0, 'it did not take the key over and fill under the new cut');
  assert.deepEqual(
    lines.filter((l) => l.msg.includes('fill cut by shutdown')).map((l) => l.module),
    ['<private>'],
  );
});
