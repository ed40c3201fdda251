// The own checksum database across workers: a worker's lookup of a version not yet in the log reaches the writer
// (whichever worker it is) through the primary, and the answer says whether it was appended; bad questions from a
// sibling are refused without an append, and a worker with no writer among its siblings hears no.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { channelPair } from '../coord/channel-pair.js';
import { SumdbSubmitHub, WorkerSumdbSubmit, parseVersions } from './cluster-sumdb.js';
import type { SubmittedVersion } from './cluster-sumdb.js';

function cluster(writerId: string | undefined) {
  const hub = new SumdbSubmitHub();
  const appended: Array<[string, readonly SubmittedVersion[]]> = [];
  const workers = ['w1', 'w2', 'w3'].map((id) => {
    const [primarySide, workerSide] = channelPair();
    hub.add(id, primarySide);
    return new WorkerSumdbSubmit(workerSide, async (versions) => {
      if (id !== writerId) return false;
      appended.push([id, versions]);
      return true;
    });
  });
  return { workers, appended, close: () => workers.forEach((w) => w.close()) };
}

test('a worker hands versions to the writer among its siblings, which appends them and says so', async () => {
  const c = cluster('w3');
  try {
    const versions = [
      { modulePath: 'example.com/a', version: 'v1.0.0' },
      { modulePath: 'example.com/b/v2', version: 'v2.1.0' },
    ];
    assert.equal(await c.workers[0]?.submit(versions), true);
    assert.deepEqual(c.appended, [['w3', versions]]);
  } finally {
    c.close();
  }
});

test('with no writer among the workers, the answer is no', async () => {
  const c = cluster(undefined);
  try {
    assert.equal(await c.workers[1]?.submit([{ modulePath: 'example.com/a', version: 'v1.0.0' }]), false);
    assert.deepEqual(c.appended, []);
  } finally {
    c.close();
  }
});

test('a question that names no valid module versions is refused without an append', async () => {
  const c = cluster('w2');
  try {
    for (const bad of [
      [{ modulePath: 'example.com/a', version: 'latest' }],
      [{ modulePath: '../etc', version: 'v1.0.0' }],
      [{ modulePath: 'example.com/a/v2', version: 'v1.0.0' }],
      [],
    ])
      assert.equal(await c.workers[0]?.submit(bad), false, JSON.stringify(bad));
    assert.deepEqual(c.appended, []);
  } finally {
    c.close();
  }
  assert.equal(parseVersions('example.com/a@v1.0.0'), undefined);
  assert.equal(parseVersions([['example.com/a', 'v1.0.0', 'x']]), undefined);
  assert.equal(parseVersions(Array.from({ length: 101 }, () => ['example.com/a', 'v1.0.0'])), undefined);
  assert.deepEqual(parseVersions([['example.com/a', 'v1.0.0']]), [{ modulePath: 'example.com/a', version: 'v1.0.0' }]);
});

test('without a primary that answers, a submit is a no, never a rejection', async () => {
  const [, workerSide] = channelPair();
  const peer = new WorkerSumdbSubmit(workerSide, async () => assert.fail('no one relays'));
  try {
    assert.equal(await peer.submit([{ modulePath: 'example.com/a', version: 'v1.0.0' }]), false);
  } finally {
    peer.close();
  }
});
