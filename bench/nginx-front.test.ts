// The cold suite's yardsticks are real nginx processes in front of a real upstream: one only forwards, the
// other keeps what it forwards and serves it from its own files afterwards. Both must pass the bytes unchanged.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { coldVariants } from './cold.js';
import { eventually } from '../test/helpers/eventually.js';
import { BODY, KEY, oneFileUpstream } from './front-fixture.js';
import { startNginxFront } from './nginx.js';

test('with nginx among the contenders, the cold suite times nginx forwarding and storing, on both graphs', () => {
  const v = coldVariants([{ name: 'nginx', id: 'nginx', label: 'nginx' }]);
  assert.deepEqual(
    v.map((x) => [x.name, x.front, x.runningAfter]),
    [
      ['direct', undefined, undefined],
      ['direct-sumdb', undefined, undefined],
      ['nginx-forward', 'forward', undefined],
      ['nginx-store', 'store', undefined],
      ['direct-running', undefined, 'direct'],
      ['direct-sumdb-running', undefined, 'direct-sumdb'],
      ['nginx-forward-running', 'forward', 'nginx-forward'],
      ['nginx-store-running', 'store', 'nginx-store'],
    ],
  );
  assert.match(v.find((x) => x.name === 'nginx-store-running')?.label ?? '', /already running \(second graph\)$/);
  assert.deepEqual(coldVariants([]), []);
});

test('nginx forwards every request; nginx storing serves a second request from its own copy', async (t) => {
  const { dir, up } = await oneFileUpstream(t);
  const key = KEY;
  for (const mode of ['forward', 'store'] as const) {
    const front = await startNginxFront(path.join(dir, mode), up.url, mode);
    try {
      const before = await up.countRequests('.mod');
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${front.url}/${key}`);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), BODY);
        // nginx renames its copy into place once the upstream's answer is complete, which may be just after ours.
        if (mode === 'store' && i === 0)
          await eventually(
            async () => (await readFile(path.join(dir, mode, 'store', key), 'utf8').catch(() => undefined)) === BODY,
            'nginx stored its copy',
            2_000,
          );
      }
      assert.equal(await up.countRequests('.mod'), before + (mode === 'forward' ? 2 : 1), mode);
      assert.equal((await fetch(`${front.url}/example.com/m/@v/v9.9.9.mod`)).status, 404);
    } finally {
      await front.stop();
    }
  }
});
