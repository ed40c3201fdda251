import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureRun } from './failure-run.js';

test('a run of failures starts once, again only when it fails another way, and ends once', () => {
  const run = new FailureRun();
  assert.equal(run.succeeded(), false, 'no run to end');
  assert.equal(run.failed('ENOSPC'), true);
  assert.equal(run.failed('ENOSPC'), false);
  assert.equal(run.failed('EACCES'), true, 'another way');
  assert.equal(run.succeeded(), true);
  assert.equal(run.succeeded(), false);
  assert.equal(run.failed(), true);
});
