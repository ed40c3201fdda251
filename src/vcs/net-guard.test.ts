// The SSRF guard: which addresses count as internal, and that hosts resolving to them are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockedAddressError, checkHost, isInternalAddress } from './net-guard.js';

test('loopback, private, link-local, CGNAT, multicast and mapped addresses are internal; public ones are not', () => {
  for (const ip of [
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
  ]) {
    assert.ok(isInternalAddress(ip), ip);
  }
  for (const ip of ['8.8.8.8', '172.32.0.1', '2606:4700::1111']) assert.ok(!isInternalAddress(ip), ip);
});

test('checkHost refuses internal literals and localhost names unless private networks are allowed', async () => {
  await assert.rejects(checkHost('127.0.0.1', false), BlockedAddressError);
  await assert.rejects(checkHost('[::1]', false), BlockedAddressError);
  await assert.rejects(checkHost('localhost', false), BlockedAddressError);
  await checkHost('127.0.0.1', true);
  await checkHost('8.8.8.8', false);
});
