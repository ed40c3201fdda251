// The translation of S3 failures the real store cannot be made to produce on demand (5xx, throttling, a
// clock off): SDK exceptions as the SDK builds them, mapped to our registry.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { S3ServiceException } from '@aws-sdk/client-s3';
import { gmpError } from '../errors.js';
import { isS3Absent, s3Error } from './s3-errors.js';

function sdkError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} said` });
}

test('a missing key is absence, a missing bucket is not', () => {
  assert.equal(isS3Absent(sdkError('NoSuchKey', 404)), true);
  assert.equal(isS3Absent(sdkError('NotFound', 404)), true);
  assert.equal(isS3Absent(sdkError('Unknown', 404)), true);
  assert.equal(isS3Absent(sdkError('NoSuchBucket', 404)), false);
  assert.equal(isS3Absent(sdkError('AccessDenied', 403)), false);
  assert.equal(isS3Absent(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), false);
});

test('server failures, throttling and timeouts are 503s with Retry-After that say which', () => {
  const cases: Array<[unknown, RegExp]> = [
    [sdkError('InternalError', 500), /storage failed \(InternalError, HTTP 500\)/],
    [sdkError('ServiceUnavailable', 503), /throttling us \(ServiceUnavailable, HTTP 503\)/],
    [sdkError('SlowDown', 503), /throttling us/],
    [sdkError('Unknown', 502), /storage failed \(HTTP 502\)/],
    [Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }), /did not answer in time/],
    [Object.assign(new Error('getaddrinfo ENOTFOUND s3.example'), { code: 'ENOTFOUND' }), /cannot be reached \(ENOTFOUND\)/],
    [sdkError('RequestTimeTooSkewed', 403), /clock/],
    [sdkError('PermanentRedirect', 301), /another region/],
    [sdkError('InvalidArgument', 400), /refused the request \(InvalidArgument, HTTP 400\)/],
  ];
  for (const [err, words] of cases) {
    const e = s3Error(err, 's3://b/p');
    assert.equal(e.code, 'GMP_ERR_STORAGE_UNAVAILABLE', String(err));
    assert.equal(e.status, 503);
    assert.equal(e.retryAfter, 5);
    assert.match(e.message, words);
    assert.match(e.message, /^s3:\/\/b\/p: /);
  }
});

test('an unsatisfiable range is the client range error; our own errors pass through', () => {
  assert.equal(s3Error(sdkError('InvalidRange', 416), 's3://b').code, 'GMP_ERR_REQUEST_RANGE');
  const own = gmpError('GMP_ERR_REQUEST_INVALID', 'invalid storage key');
  assert.equal(s3Error(own, 's3://b'), own);
});
