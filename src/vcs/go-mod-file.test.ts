// Reading module paths and retract directives from go.mod files the way modfile does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRetracted, modulePathOf, retractions } from './go-mod-file.js';

test('the module path comes from the first module line, unquoted, ignoring comments', () => {
  assert.equal(modulePathOf('// x\nmodule example.com/m // c\n\ngo 1.19\n'), 'example.com/m');
  assert.equal(modulePathOf('module "example.com/q"\n'), 'example.com/q');
  assert.equal(modulePathOf('modulex example.com/m\nmodule\n'), '');
  assert.equal(modulePathOf('go 1.19\n'), '');
});

test('white space is what Go trims: U+0085 is space, a byte order mark is not (a go.mod starting with one has no module path)', () => {
  assert.equal(modulePathOf('\ufeffmodule example.com/m\n'), '');
  assert.equal(modulePathOf('module\u0085example.com/m/v2\u00a0\n'), 'example.com/m/v2');
  assert.equal(modulePathOf('\u3000module example.com/m\u2003\n'), 'example.com/m');
  assert.equal(modulePathOf('module example.com/m\ufeff\n'), 'example.com/m\ufeff');
});

test('retract directives give intervals, in blocks and single lines; one ParseLax cannot read is skipped alone', () => {
  const iv = retractions('module m\nretract v1.0.0 // oops\nretract (\n\t[v1.2.0, v1.3.0]\n\tv2.0.0\n)\nretract [v3.0.0\n');
  assert.deepEqual(iv, [
    { low: 'v1.0.0', high: 'v1.0.0' },
    { low: 'v1.2.0', high: 'v1.3.0' },
    { low: 'v2.0.0', high: 'v2.0.0' },
  ]);
  assert.ok(isRetracted('v1.2.5', iv));
  assert.ok(!isRetracted('v1.1.0', iv));
  assert.deepEqual(retractions('module m\nrequire (\n\tx v1.0.0\n)\n'), []);
  // A go.mod ParseLax fails retracts nothing (coderepo then treats no version as retracted).
  assert.deepEqual(retractions('module m\nretract v1.0.0\nrequire example.com/a v2.0.0\n'), []);
});

test('retracted versions compare as semver.Compare does: a short version is its .0, an invalid bound lies below all', () => {
  const iv = retractions('module m\nretract v1.1\nretract [bogus, v0.9.0]\n');
  assert.ok(isRetracted('v1.1.0', iv), 'v1.1 is v1.1.0');
  assert.ok(!isRetracted('v1.1.1', iv));
  assert.ok(isRetracted('v0.1.0', iv), 'below v0.9.0, above an invalid low bound');
  assert.ok(!isRetracted('v1.0.0', iv));
});

test('a quoted module path is unquoted as strconv.Unquote does', () => {
  assert.equal(modulePathOf('module "example.com/\\x6d"\n'), 'example.com/m');
  assert.equal(modulePathOf('module `example.com/m`\n'), 'example.com/m');
  assert.equal(modulePathOf('module "example.com/\\q"\n'), '');
});
