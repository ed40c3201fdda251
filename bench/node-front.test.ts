// The cold suite's runtime yardstick, a bare Node.js proxy, runs in front of a real nginx upstream: it must
// pass the bytes and statuses unchanged and keep a whole copy of every 200, as the variant's label says.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { coldVariants } from './cold.js';
import { eventually } from '../test/helpers/eventually.js';
import { BODY, KEY, oneFileUpstream } from './front-fixture.js';
import { startNodeFront } from './servers.js';

test('with gomodproxy among the contenders, the cold suite times a bare Node.js proxy on both graphs', () => {
  const v = coldVariants([{ name: 'gomodproxy', id: 'gomodproxy', label: 'gomodproxy' }]);
  assert.deepEqual(
    v.filter((x) => x.front === 'node').map((x) => [x.name, x.runningAfter]),
    [
      ['node-store', undefined],
      ['node-store-running', 'node-store'],
    ],
  );
});

test('the bare Node.js proxy forwards answers unchanged and keeps a whole copy of each 200', async (t) => {
  const { dir, up } = await oneFileUpstream(t);
  const key = KEY;
  const front = await startNodeFront(path.join(dir, 'front'), up.url);
  t.after(() => front.stop());
  const res = await fetch(`${front.url}/${key}`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), BODY);
  const missing = await fetch(`${front.url}/example.com/m/@v/v9.9.9.mod`);
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();
  await eventually(async () => (await readFile(path.join(dir, 'front', 'store', key), 'utf8').catch(() => undefined)) === BODY, 'the copy is stored', 2_000);
  assert.deepEqual(await readdir(path.join(dir, 'front', 'store', 'example.com/m/@v')), ['v1.0.0.mod'], 'a 404 is not kept');
});
