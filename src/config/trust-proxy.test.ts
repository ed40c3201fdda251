import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTrustProxy } from './trust-proxy.js';

test('--trust-proxy takes named ranges, addresses and CIDRs, or off', () => {
  assert.equal(parseTrustProxy('off'), false);
  assert.equal(parseTrustProxy('loopback'), 'loopback');
  assert.equal(parseTrustProxy(' loopback , 10.0.0.0/8,fd00::/8, 192.0.2.1 '), 'loopback,10.0.0.0/8,fd00::/8,192.0.2.1');
  for (const bad of ['', 'nginx', '10.0.0.0/33', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.1/x', 'loopback,']) {
    assert.throws(() => parseTrustProxy(bad), /is not loopback, linklocal, uniquelocal, an IP address/, bad);
  }
});
