// Policy rules as operators write them: a glob alone denies every version, a range only versions in it,
// an allow rule makes an exception, and a malformed rule is refused with the reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { covers, denyingRule, parsePolicyRule } from './policy-rule.js';

test('a rule with a range covers only the versions in it, never a list or a query', () => {
  const r = parsePolicyRule('example.com/bad@<v1.2.3');
  assert.equal(covers(r, 'example.com/bad', 'v1.2.2'), true);
  assert.equal(covers(r, 'example.com/bad', 'v1.2.3'), false);
  assert.equal(covers(r, 'example.com/bad/sub', 'v1.0.0'), true, 'globs match path prefixes, as GOPRIVATE does');
  assert.equal(covers(r, 'example.com/badger', 'v1.0.0'), false);
  assert.equal(covers(r, 'example.com/bad', ''), false);
  assert.equal(covers(r, 'example.com/bad', 'master'), false);
});

test('comparators combine with spaces or commas; a bare version means exactly that one', () => {
  const both = parsePolicyRule('corp.example.com/*@>=v1.0.0, <v2.0.0');
  assert.deepEqual(
    ['v0.9.0', 'v1.0.0', 'v1.9.9', 'v2.0.0'].map((v) => covers(both, 'corp.example.com/x', v)),
    [false, true, true, false],
  );
  const one = parsePolicyRule('example.com/m@v1.4.0');
  assert.deepEqual([covers(one, 'example.com/m', 'v1.4.0'), covers(one, 'example.com/m', 'v1.4.1')], [true, false]);
});

test('a glob without a range denies everything, lists included; an allow rule is an exception', () => {
  const rules = { deny: [parsePolicyRule('evil.example.com')], allow: [parsePolicyRule('evil.example.com/reviewed@v1.0.0')] };
  assert.equal(denyingRule(rules, 'evil.example.com/x', '')?.text, 'evil.example.com');
  assert.equal(denyingRule(rules, 'evil.example.com/reviewed', 'v1.0.0'), undefined);
  assert.equal(denyingRule(rules, 'evil.example.com/reviewed', 'v1.0.1')?.text, 'evil.example.com');
  assert.equal(denyingRule(rules, 'good.example.com/x', 'v1.0.0'), undefined);
});

test('malformed rules are refused with the reason', () => {
  assert.throws(() => parsePolicyRule('example.com/m@'), /a version range follows '@'/);
  assert.throws(() => parsePolicyRule('example.com/m@<1.2.3'), /not a comparator/);
  assert.throws(() => parsePolicyRule('a.com b.com'), /one GOPRIVATE-style pattern/);
});
