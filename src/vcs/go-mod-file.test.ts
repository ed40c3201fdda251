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

test('retract directives give intervals, in blocks and single lines, and a malformed one voids them all', () => {
  const iv = retractions('module m\nretract v1.0.0 // oops\nretract (\n\t[v1.2.0, v1.3.0]\n\tv2.0.0\n)\n');
  assert.deepEqual(iv, [
    { low: 'v1.0.0', high: 'v1.0.0' },
    { low: 'v1.2.0', high: 'v1.3.0' },
    { low: 'v2.0.0', high: 'v2.0.0' },
  ]);
  assert.ok(isRetracted('v1.2.5', iv ?? []));
  assert.ok(!isRetracted('v1.1.0', iv ?? []));
  assert.equal(retractions('module m\nretract v1.2\n'), undefined);
  assert.deepEqual(retractions('module m\nrequire (\n\tx v1.0.0\n)\n'), []);
});
