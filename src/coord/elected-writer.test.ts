// The elected writer: a work tick that keeps failing the same way (a full disk) is told once, not every tick;
// the first tick that works again is told too, and a later failure is told again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ElectedWriter } from './elected-writer.js';
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
    elected: async () => {},
    deposed: () => {},
    work: async () => {
      const step = script[ticks++];
      if (ticks === script.length) done();
      if (step === 'fail') throw full();
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
