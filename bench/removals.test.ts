// The cold suite's removals wait until its timed runs are over (removals.ts): nothing goes early, all goes at the end.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DeferredRemovals } from './removals.js';

test('paths handed to later() stay until now(), which removes them all, trees included', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gmp-removals-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const tree = path.join(dir, 'tree');
  await mkdir(path.join(tree, 'a', 'b'), { recursive: true });
  await writeFile(path.join(tree, 'a', 'b', 'f'), 'x');
  const file = path.join(dir, 'file');
  await writeFile(file, 'y');
  const removals = new DeferredRemovals();
  removals.later(tree);
  removals.later(file);
  removals.later(path.join(dir, 'never-there'));
  assert.equal(removals.pending, 3);
  assert.ok(existsSync(path.join(tree, 'a', 'b', 'f')) && existsSync(file), 'nothing removed before now()');
  await removals.now();
  assert.ok(!existsSync(tree) && !existsSync(file));
  assert.ok(existsSync(dir), 'only what was handed over');
  assert.equal(removals.pending, 0);
});
