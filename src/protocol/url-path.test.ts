import { test } from 'node:test';
import assert from 'node:assert/strict';
import { goPathEscape, versionPath } from './url-path.js';

test('the proxy URL matches what the go command sends, with ! as %21 and + kept', () => {
  assert.equal(
    versionPath('github.com/Azure/azure-sdk-for-go', 'v2.0.0+incompatible', 'zip'),
    '/github.com/%21azure/azure-sdk-for-go/@v/v2.0.0+incompatible.zip',
  );
  assert.equal(versionPath('github.com/Azure/x', 'v1.0.0-RC1', 'info'), '/github.com/%21azure/x/@v/v1.0.0-%21r%21c1.info');
});

test('path escaping encodes characters Go escapes in a path segment', () => {
  assert.equal(goPathEscape('a b/c?d/é'), 'a%20b/c%3Fd/%C3%A9');
  assert.equal(goPathEscape('x,y;z'), 'x%2Cy%3Bz');
});
