import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gmpError } from '../errors.js';
import { faultOf, moduleOf, transportError } from './faults.js';
import { errorFromStatus } from './upstream-errors.js';

const p = '/example.com/m/@v/v1.0.0.zip';

test('the module of a GOPROXY path is the part before /@v/ or /@latest', () => {
  assert.equal(moduleOf('/golang.org/x/text/@v/list'), '/golang.org/x/text');
  assert.equal(moduleOf('/golang.org/x/text/@latest'), '/golang.org/x/text');
  assert.equal(moduleOf('/lookup/golang.org/x/text@v0.3.0'), '/lookup/golang.org/x/text@v0.3.0');
});

test('a refused connection says the host is down and counts on its own; it is retried', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const f = faultOf(gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', 'unreachable', cause), p);
  assert.equal(f.key, undefined);
  assert.equal(f.retryable, true);
});

test('a reset, a 500 or a slow answer is held against the module, and only a 5xx or a reset is retried', () => {
  const reset = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' });
  assert.deepEqual(
    [
      faultOf(gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', 'x', reset), p),
      faultOf(errorFromStatus('u', 500, 'boom'), p),
      faultOf(gmpError('GMP_ERR_UPSTREAM_TIMEOUT', 'x'), p),
    ].map((f) => [f.key, f.retryable]),
    [
      ['module:/example.com/m', true],
      ['module:/example.com/m', true],
      ['module:/example.com/m', false],
    ],
  );
});

test('a 503 counts per path; a 4xx, bad content or our own full disk is not held against the host', () => {
  assert.equal(faultOf(errorFromStatus('u', 503, ''), p).key, `path:${p}`);
  assert.equal(faultOf(errorFromStatus('u', 403, 'private'), p).key, null);
  assert.equal(faultOf(gmpError('GMP_ERR_UPSTREAM_BAD_CONTENT', 'x'), p).key, null);
  assert.equal(faultOf(gmpError('GMP_ERR_STORAGE_FULL', 'x'), p).key, null);
});

test('running out of file descriptors while connecting is our failure: 503 with Retry-After, never held against the upstream', () => {
  // What undici throws when the process has no descriptor left for the socket (ulimit -n under load).
  const emfile = Object.assign(new Error('connect EMFILE 127.0.0.1:3500 - Local (undefined:undefined)'), { code: 'EMFILE', syscall: 'connect' });
  for (const err of [emfile, Object.assign(new Error('fetch failed'), { cause: { ...emfile, code: 'ENFILE' } })]) {
    const e = transportError('http://127.0.0.1:3500', err);
    assert.equal(e.code, 'GMP_ERR_LOCAL_RESOURCES');
    assert.equal(e.status, 503);
    assert.ok((e.retryAfter ?? 0) > 0);
    assert.equal(e.local, true);
    assert.doesNotMatch(e.message, /unreachable/);
    const f = faultOf(e, p);
    assert.equal(f.key, null, 'not a sign that the upstream is down');
    assert.equal(f.retryable, false);
  }
});
