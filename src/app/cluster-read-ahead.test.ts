// Read-ahead across workers: one worker's turn to downloads reaches every worker through the primary, with
// what the client asked for (.info files or zips); a worker that left is not waited for, and without a primary nothing throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelPair } from '../coord/channel-pair.js';
import { ReadAheadHub, WorkerReadAhead } from './cluster-read-ahead.js';

const until = async (ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
};

test('a turn to downloads seen by one worker reaches every worker, with what the client asked for', async () => {
  const hub = new ReadAheadHub();
  const calls: Array<[string, string]> = [];
  const workers = ['w1', 'w2', 'w3'].map((id) => {
    const [primarySide, workerSide] = channelPair();
    const detach = hub.add(id, primarySide);
    return { id, detach, peer: new WorkerReadAhead(workerSide, (kind) => calls.push([id, kind])) };
  });
  workers[0]?.peer.tell('info');
  await until(() => calls.length === 3);
  assert.deepEqual(calls.sort(), [
    ['w1', 'info'],
    ['w2', 'info'],
    ['w3', 'info'],
  ]);

  // A worker that exited is no longer told.
  workers[2]?.detach();
  workers[2]?.peer.close();
  calls.length = 0;
  workers[1]?.peer.tell('zip');
  await until(() => calls.length === 2);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(calls.sort(), [
    ['w1', 'zip'],
    ['w2', 'zip'],
  ]);
  for (const w of workers) w.peer.close();
});

test('without a primary that answers, telling never throws', async () => {
  const [, workerSide] = channelPair();
  const peer = new WorkerReadAhead(workerSide, () => assert.fail('no one relays'));
  assert.doesNotThrow(() => peer.tell('info'));
  peer.close();
});
