// The primary's watchdog over a channel that serialises like Node's IPC: a worker that answers is left alone,
// one that stops answering is reported once.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { channelPair } from '../coord/channel-pair.js';
import { answerPings, watchWorker } from './watchdog.js';

test('a worker that answers pings is never found hung; one that stops is found once, after the timeout', async () => {
  const [workerEnd, primaryEnd] = channelPair();
  const stopAnswering = answerPings(workerEnd);
  const hung: number[] = [];
  const stop = watchWorker(primaryEnd, { hangMs: 1500, onHung: (ms) => hung.push(ms) });
  try {
    // Long enough apart that a loaded machine's pauses in this process do not look like a hang.
    await sleep(4500);
    assert.deepEqual(hung, [], 'three timeouts went by, answered');
    const quietSince = Date.now();
    stopAnswering();
    while (hung.length === 0 && Date.now() - quietSince < 10_000) await sleep(20);
    assert.equal(hung.length, 1);
    const silent = hung[0] ?? 0;
    assert.ok(silent >= 1500, `found hung after ${silent} ms of silence`);
    assert.ok(Date.now() - quietSince >= 1500 - 300, 'not before the timeout (less one ping interval)');
    await sleep(2000);
    assert.equal(hung.length, 1, 'reported once');
  } finally {
    stop();
  }
});
