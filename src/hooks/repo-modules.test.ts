// From a pushed repository's URL to the module paths it may be the root of.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modulesOfRepository, pathOfUrl } from './repo-modules.js';

test('https, ssh and scp-like URLs name the same module path', () => {
  assert.equal(pathOfUrl('https://github.com/o/r.git'), 'github.com/o/r');
  assert.equal(pathOfUrl('https://github.com/o/r/'), 'github.com/o/r');
  assert.equal(pathOfUrl('ssh://git@github.com/o/r'), 'github.com/o/r');
  assert.equal(pathOfUrl('git@github.com:o/r.git'), 'github.com/o/r');
  assert.equal(pathOfUrl('file:///srv/git/r'), undefined);
});

test('a rewrite rule maps a repository back to the path the module is known by', () => {
  const rules = [{ from: 'https://github.com/corp/', to: 'https://git.corp.example/go/' }];
  assert.deepEqual(modulesOfRepository('https://git.corp.example/go/lib.git', rules), ['git.corp.example/go/lib', 'github.com/corp/lib']);
  assert.deepEqual(modulesOfRepository('https://elsewhere.example/lib', rules), ['elsewhere.example/lib']);
});
