import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkName, nameFor } from './coordinator.js';

test('nameFor leaves valid names as they are, so every process and release agrees on them', () => {
  for (const n of ['fill:example.com/lib/@v/v1.0.0.zip', 'fill:example.com/lib/@q/50%.info', 'sumdb/sum.golang.org/latest']) assert.equal(nameFor(n), n);
});

test('nameFor encodes what a name may not hold, and keeps long names apart', () => {
  assert.equal(nameFor('fill:example.com/x/@q/a b.info'), 'fill:example.com/x/@q/a%20b.info');
  assert.equal(nameFor('é'), '%C3%A9');
  const a = nameFor(`fill:${'x'.repeat(600)}a`);
  const b = nameFor(`fill:${'x'.repeat(600)}b`);
  assert.ok(a.length <= 512 && b.length <= 512);
  assert.notEqual(a, b);
});

test('property: nameFor of any text is a valid name', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 800 }), (s) => {
      assert.equal(checkName(nameFor(s)), nameFor(s));
    }),
  );
});
