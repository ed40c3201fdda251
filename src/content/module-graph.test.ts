// The requirement graph warm and bundle export walk: a version whose go.mod cannot be read is reported once, as
// failed, and is neither among the versions reached nor replaced in the build list by a lower version of its module.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requirementGraph } from './module-graph.js';

const mods: Record<string, string | undefined> = {
  'example.com/a@v1.0.0': 'module example.com/a\n\nrequire (\n\texample.com/b v1.1.0\n\texample.com/c v1.0.0\n)\n',
  'example.com/c@v1.0.0': 'module example.com/c\n\nrequire example.com/b v1.0.0\n',
  'example.com/b@v1.0.0': 'module example.com/b\n',
  // example.com/b@v1.1.0: its go.mod cannot be read.
};

test('a version whose go.mod fails is reported once, and no lower version of its module takes its place', async () => {
  const g = await requirementGraph(
    [{ path: 'example.com/a', version: 'v1.0.0' }],
    async (m) => {
      const text = mods[`${m.path}@${m.version}`];
      if (text === undefined) throw new Error('502 from the proxy');
      return Buffer.from(text);
    },
    { concurrency: 2 },
  );
  const names = (ms: readonly { path: string; version: string }[]) => ms.map((m) => `${m.path}@${m.version}`).sort();
  assert.deepEqual(names(g.failed), ['example.com/b@v1.1.0']);
  assert.match(g.failed[0]?.error ?? '', /502 from the proxy/);
  assert.deepEqual(names(g.all), ['example.com/a@v1.0.0', 'example.com/b@v1.0.0', 'example.com/c@v1.0.0']);
  assert.deepEqual(names(g.selected), ['example.com/a@v1.0.0', 'example.com/c@v1.0.0']);
});
