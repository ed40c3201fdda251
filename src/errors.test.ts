// localIoError (errors.ts): native errors of the proxy's own disk, as the storage edge and the local coordinator's
// value files name them: a full disk and a process out of file descriptors are ours and passing (503 with
// Retry-After); other local failures are 500s.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OWN_FAILURE_CODES, localIoError } from './errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: something, open '/data/cache/x'`), { code });

test('a full disk and a process out of file descriptors are 503s with Retry-After; a permission error is a 500', () => {
  const full = localIoError(errno('ENOSPC'), 'storing x');
  assert.deepEqual([full.code, full.status], ['GMP_ERR_STORAGE_FULL', 503]);
  for (const code of ['EMFILE', 'ENFILE']) {
    const e = localIoError(errno(code), 'reading the cache');
    assert.deepEqual([e.code, e.status, e.local], ['GMP_ERR_LOCAL_RESOURCES', 503, true]);
    assert.ok((e.retryAfter ?? 0) > 0);
    assert.match(e.message, new RegExp(`file descriptors \\(${code}\\) while reading the cache`));
  }
  assert.deepEqual([localIoError(errno('EACCES'), 'x').code, localIoError(errno('EACCES'), 'x').status], ['GMP_ERR_LOCAL_IO', 500]);
});

test('a disk quota used up (EDQUOT) is a full disk (the same code, status, Retry-After and log level), in words of its own', () => {
  const full = localIoError(errno('ENOSPC'), 'storing x');
  const quota = localIoError(errno('EDQUOT'), 'storing x');
  const kind = (e: typeof full) => [e.code, e.status, e.retryAfter, e.local, e.upstream];
  assert.deepEqual(kind(quota), kind(full));
  assert.equal(full.message, "the proxy's disk is full (ENOSPC) while storing x; nothing was stored");
  // df shows room under a quota: "disk full" would send the operator looking at the wrong thing.
  assert.equal(quota.message, "the proxy's disk quota is used up (EDQUOT) while storing x; nothing was stored");
});

test('every code of OWN_FAILURE_CODES (which direct mode tells our own failures by) has its own error, not the plain local I/O one', () => {
  for (const code of OWN_FAILURE_CODES) assert.notEqual(localIoError(errno(code), 'x').code, 'GMP_ERR_LOCAL_IO', code);
});
