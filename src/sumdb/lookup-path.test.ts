// Tests for the case-encoded `/lookup/` target used by both the client and the server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseEscape, caseUnescape, lookupPath, parseLookupTarget } from './lookup-path.js';

test('capitals are escaped as ! and a lower-case letter, and /go.mod is dropped from the version', () => {
  assert.equal(lookupPath('github.com/BurntSushi/toml', 'v1.0.0-RC1/go.mod'), '/lookup/github.com/!burnt!sushi/toml@v1.0.0-!r!c1');
  assert.throws(() => caseEscape('a!b'), /invalid character/);
  assert.throws(() => caseEscape('é'), /invalid character/);
});

test('unescaping refuses capitals, a ! not followed by a lower-case letter, and non-ASCII', () => {
  assert.equal(caseUnescape('github.com/!azure/azure-sdk-for-go'), 'github.com/Azure/azure-sdk-for-go');
  for (const bad of ['Azure', '!A', 'a!', '!!a', 'é']) assert.equal(caseUnescape(bad), null, bad);
});

test('lookup targets must look like path@vX.Y.Z[-pre][+incompatible], as the x/mod server requires', () => {
  assert.deepEqual(parseLookupTarget('example.com/!m@v2.0.0+incompatible'), { path: 'example.com/M', version: 'v2.0.0+incompatible' });
  assert.deepEqual(parseLookupTarget('example.com/m@v1.0.0-!r!c1'), { path: 'example.com/m', version: 'v1.0.0-RC1' });
  for (const bad of ['example.com/m@1.0.0', 'example.com/m@v1.0', 'example.com/m', 'a@b@v1.0.0', 'example.com/m@v1.0.0+meta', 'example.com/M@v1.0.0']) {
    assert.equal(parseLookupTarget(bad), null, bad);
  }
});
