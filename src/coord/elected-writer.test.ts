// The elected writer: a work tick that keeps failing the same way (a full disk) is told once, not every tick;
// the first tick that works again is told too, and a later failure is told again. Ticks that find no work come
// less and less often, up to the idle wait, and so do ticks that fail; work this process leaves is picked up at once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElectedWriter } from './elected-writer.js';
import { fakeTimers } from './fake-timers.js';
import { LocalCoordinator } from './local.js';

test('a work tick failing the same way again and again is reported once, until a tick succeeds', async () => {
  const full = () => Object.assign(new Error("the proxy's disk is full (ENOSPC) while storing x; nothing was stored"), { code: 'GMP_ERR_STORAGE_FULL' });
  // What each tick does, in order: fail 20 times, succeed, then fail twice more.
  const script = [...Array.from({ length: 20 }, () => 'fail'), 'ok', 'fail', 'fail'];
  const told: string[] = [];
  let ticks = 0;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const writer = new ElectedWriter({
    coord: new LocalCoordinator(),
    lease: 'test:writer',
    workMs: 1,
    // Failing ticks back off up to the idle wait: 1 ms here, so the script runs at once.
    idleMs: 1,
    elected: async () => {},
    deposed: () => {},
    work: async () => {
      const step = script[ticks++];
      if (ticks === script.length) done();
      if (step === 'fail') throw full();
      return true;
    },
    failed: (err) => told.push(`failed: ${(err as Error).message}`),
    recovered: () => told.push('recovered'),
  });
  // The writer's timers do not keep a process alive: this does, until the script has run.
  const alive = setInterval(() => {}, 1000);
  await writer.start();
  await finished;
  clearInterval(alive);
  await writer.close();
  assert.deepEqual(told, [
    "failed: the proxy's disk is full (ENOSPC) while storing x; nothing was stored",
    'recovered',
    "failed: the proxy's disk is full (ENOSPC) while storing x; nothing was stored",
  ]);
});

/** An elected writer on a fake clock whose work finds what `found()` says. */
async function writerOnFakeClock(found: () => boolean) {
  const clock = fakeTimers();
  let ticks = 0;
  const writer = new ElectedWriter({
    coord: new LocalCoordinator(),
    lease: 'test:writer',
    workMs: 200,
    idleMs: 1600,
    elected: async () => {},
    deposed: () => {},
    work: async () => {
      ticks++;
      return found();
    },
    failed: () => {},
    timers: clock.timers,
  });
  await writer.start();
  return { writer, clock, tick: () => clock.tick(), ticks: () => ticks };
}

test('ticks that find no work wait longer each time, up to the idle wait; a tick that finds work brings the short wait back', async () => {
  let work = false;
  const { writer, clock, tick } = await writerOnFakeClock(() => work);
  for (let i = 0; i < 6; i++) await tick();
  assert.deepEqual(clock.waits, [200, 400, 800, 1600, 1600, 1600, 1600]);
  work = true;
  await tick();
  await tick();
  work = false;
  await tick();
  await tick();
  assert.deepEqual(clock.waits.slice(7), [200, 200, 400, 800]);
  await writer.close();
});

test('work this process leaves wakes an idle writer at once; a busy one, or one woken during a tick, keeps the short wait', async () => {
  let wakeDuringWork = false;
  const { writer, clock, tick, ticks } = await writerOnFakeClock(() => {
    if (wakeDuringWork) writer.wake();
    return false;
  });
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(clock.waits.at(-1), 1600, 'idle');
  writer.wake();
  assert.equal(clock.waits.at(-1), 0, 'the next tick is due now, not after the idle wait');
  const before = ticks();
  await tick();
  assert.equal(ticks(), before + 1);
  assert.equal(clock.waits.at(-1), 200, 'after a wake the idle wait starts again from the short one');
  const asked = clock.waits.length;
  writer.wake();
  assert.equal(clock.waits.length, asked, 'a tick due within the short wait is not brought forward: wakes under load add no ticks');
  await tick();
  await tick();
  assert.equal(clock.waits.at(-1), 800);
  wakeDuringWork = true;
  await tick();
  assert.equal(clock.waits.at(-1), 200, 'woken while its work ran: the next tick follows after the short wait');
  await writer.close();
});

test('a writer whose work keeps failing waits longer each time, up to the idle wait, even when woken; a tick that works brings the short wait back', async () => {
  let failing = true;
  const { writer, clock, tick } = await writerOnFakeClock(() => {
    if (failing) throw new Error('the object store is unreachable');
    return true;
  });
  for (let i = 0; i < 4; i++) await tick();
  assert.deepEqual(clock.waits, [200, 400, 800, 1600, 1600], 'not a tick every 200 ms for ever');
  writer.wake();
  assert.equal(clock.waits.length, 5, 'work this process leaves does not cut a failing writer’s wait');
  failing = false;
  await tick();
  assert.equal(clock.waits.at(-1), 200);
  await writer.close();
});

test('a process that is not the writer is not woken: it tries the election on its own wait', async () => {
  const coord = new LocalCoordinator();
  const clock = fakeTimers();
  const holder = await coord.acquire('test:writer', 60_000);
  assert.ok(holder !== undefined);
  const writer = new ElectedWriter({
    coord,
    lease: 'test:writer',
    electMs: 2000,
    elected: async () => {},
    deposed: () => {},
    work: async () => false,
    failed: () => {},
    timers: clock.timers,
  });
  await writer.start();
  writer.wake();
  assert.deepEqual(clock.waits, [2000]);
  await writer.close();
});
