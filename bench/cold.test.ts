// Which downloads the cold suite times, from the lineup it is given.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { coldVariants } from './cold.js';
import { lineup } from './contenders.js';

test('with --workers available, the cold suite also times gomodproxy as one process, on both graphs', (t) => {
  if (os.availableParallelism() < 2) return t.skip('one CPU: the default is one process already');
  const v = coldVariants(lineup(['gomodproxy'], true, false).contenders);
  const one = v.filter((x) => x.contender?.workers === 1);
  assert.deepEqual(
    one.map((x) => [x.name, x.runningAfter]),
    [
      ['gomodproxy-w1', undefined],
      ['gomodproxy-w1-running', 'gomodproxy-w1'],
    ],
  );
  // The default variant keeps the default worker count (no --workers flag).
  assert.equal(v.find((x) => x.name === 'gomodproxy')?.contender?.workers, undefined);
});

test('without --workers, gomodproxy is timed once per graph, with its defaults', () => {
  const v = coldVariants(lineup(['gomodproxy'], false, false).contenders);
  assert.deepEqual(
    v.filter((x) => x.contender?.id === 'gomodproxy').map((x) => x.name),
    ['gomodproxy', 'gomodproxy-sumdb', 'gomodproxy-running', 'gomodproxy-sumdb-running'],
  );
});
