// The git release check behind `git fetch --atomic` (git-version.ts).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { atLeast, hasAtomicFetch, parseGitVersion } from './git-version.js';

test('git --version is read as its major and minor release, whatever the packager appends', () => {
  assert.deepEqual(parseGitVersion('git version 2.39.5\n'), [2, 39]);
  assert.deepEqual(parseGitVersion('git version 2.39.3 (Apple Git-146)\n'), [2, 39]);
  assert.deepEqual(parseGitVersion('git version 2.39.0.windows.1\n'), [2, 39]);
  assert.equal(parseGitVersion('not git'), undefined);
});

test('fetch --atomic is used from git 2.31 on, and never when the release cannot be read', () => {
  assert.equal(atLeast([2, 30], [2, 31]), false);
  assert.equal(atLeast([2, 31], [2, 31]), true);
  assert.equal(atLeast([3, 0], [2, 31]), true);
  assert.equal(atLeast([1, 99], [2, 31]), false);
  assert.equal(atLeast(undefined, [2, 31]), false);
});

test('the installed git is asked: the answer agrees with its own --version', async () => {
  const version = parseGitVersion(execFileSync('git', ['--version'], { encoding: 'utf8' }));
  assert.equal(await hasAtomicFetch(10_000), atLeast(version, [2, 31]));
});
