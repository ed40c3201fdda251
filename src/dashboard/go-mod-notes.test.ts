// What a module's go.mod tells its users: deprecation paragraphs as modfile finds them, retracted versions,
// and which cached version speaks for the module.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DownloadCounts, addCounts } from './downloads.js';
import { deprecation, latestOf, retractedBy } from './go-mod-notes.js';

test('a "Deprecated:" paragraph above or after the module line is the deprecation message', () => {
  assert.equal(deprecation('// Deprecated: use example.com/new instead.\nmodule example.com/old\n'), 'use example.com/new instead.');
  assert.equal(deprecation('module example.com/old // Deprecated: gone\n'), 'gone');
  assert.equal(
    deprecation('// Package old does things.\n//\n// Deprecated: this module\n// moved to example.com/new.\nmodule example.com/old\n\ngo 1.19\n'),
    'this module moved to example.com/new.',
  );
});

test('comments that only mention deprecation, or sit apart from the module line, deprecate nothing', () => {
  assert.equal(deprecation('module example.com/m\n\n// Deprecated: not about the module line\nrequire example.com/x v1.0.0\n'), undefined);
  assert.equal(deprecation('// This is not Deprecated: really\nmodule example.com/m\n'), undefined);
  assert.equal(deprecation('go 1.19\n'), undefined);
});

test('retract directives mark single versions and intervals; a malformed one retracts nothing', () => {
  const r = retractedBy('module m\n\nretract v1.0.1 // broken\nretract (\n\t[v1.1.0, v1.1.5]\n)\n');
  assert.deepEqual(['v1.0.0', 'v1.0.1', 'v1.1.0', 'v1.1.3', 'v1.1.6'].map(r), [false, true, true, true, false]);
  assert.equal(retractedBy('module m\nretract latest\n')('v1.0.0'), false);
});

test('the go.mod that speaks for a module is the highest release, else pre-release, else pseudo-version', () => {
  assert.equal(latestOf(['v1.0.0', 'v1.2.0-rc.1', 'v1.1.0']), 'v1.1.0');
  assert.equal(latestOf(['v0.0.0-20200101000000-abcdefabcdef', 'v1.2.0-rc.1']), 'v1.2.0-rc.1');
  assert.equal(latestOf(['v0.0.0-20200101000000-abcdefabcdef']), 'v0.0.0-20200101000000-abcdefabcdef');
  assert.equal(latestOf([]), undefined);
});

test('downloads are counted per version, summed over processes, forgotten on purge, and bounded', () => {
  const d = new DownloadCounts(2);
  d.count('m', 'v1');
  d.count('m', 'v1');
  d.count('m', 'v2');
  d.count('m', 'v3');
  assert.deepEqual(d.of('m'), { v1: 2, v2: 1 }, 'a third version is past the bound');
  d.forget('m', 'v2');
  d.count('m', 'v3');
  assert.deepEqual(d.of('m'), { v1: 2, v3: 1 });
  assert.deepEqual(addCounts([{ v1: 1 }, { v1: 2, v2: 5 }]), { v1: 3, v2: 5 });
});
