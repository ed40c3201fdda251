// The node flags the primary gives its workers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { workerExecArgv } from './primary.js';

test("workers get a smaller young generation, after the primary's own node flags", () => {
  assert.deepEqual(workerExecArgv(['--import', 'tsx']), ['--import', 'tsx', '--max-semi-space-size=8']);
  assert.deepEqual(workerExecArgv([]), ['--max-semi-space-size=8']);
});

test("an operator's own young-generation size wins, as a node flag or in NODE_OPTIONS, in either spelling", () => {
  assert.deepEqual(workerExecArgv(['--max-semi-space-size=32']), ['--max-semi-space-size=32']);
  assert.deepEqual(workerExecArgv(['--max_semi_space_size', '2']), ['--max_semi_space_size', '2']);
  assert.deepEqual(workerExecArgv([], '--enable-source-maps --max-semi-space-size=64'), []);
  // Another flag that merely starts alike is not the same setting.
  assert.deepEqual(workerExecArgv(['--max-semi-space-size-x']), ['--max-semi-space-size-x', '--max-semi-space-size=8']);
});
