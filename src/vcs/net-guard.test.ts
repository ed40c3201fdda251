// The SSRF guard: which addresses count as internal, and that hosts resolving to them are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockedAddressError, checkHost, isInternalAddress } from './net-guard.js';
import type { lookup } from 'node:dns/promises';
import { isGmpError } from '../errors.js';

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

test('a name that does not exist is no module (404); a resolver that failed this time is a 502, never a 404', async () => {
  const failing = (code: string) =>
    (async () => {
      throw Object.assign(new Error(`getaddrinfo ${code} example.org`), { code });
    }) as unknown as typeof lookup;
  for (const code of ['ENOTFOUND', 'ENODATA'])
    await assert.rejects(
      checkHost('example.org', false, failing(code)),
      (err: Error) => err instanceof BlockedAddressError && /cannot resolve host example\.org/.test(err.message),
      code,
    );
  for (const code of ['EAI_AGAIN', 'ETIMEOUT', 'ESERVFAIL'])
    await assert.rejects(
      checkHost('example.org', false, failing(code)),
      (err: unknown) => isGmpError(err, 'GMP_ERR_UPSTREAM_UNREACHABLE') && err.message.includes(`(${code})`),
      code,
    );
  // .invalid never resolves (RFC 6761): the real resolver's answer is the 404 kind.
  await assert.rejects(checkHost('gmp-no-such-host.invalid', false), BlockedAddressError);
});
