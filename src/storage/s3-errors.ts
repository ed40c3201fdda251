// S3 errors translated at the storage edge: absence becomes `undefined` for the callers, and whatever keeps
// the store from answering becomes GMP_ERR_STORAGE_UNAVAILABLE (503, Retry-After) with a message an operator
// can act on. Messages name the S3 error code and status, never credentials.
import { GmpError, gmpError } from '../errors.js';

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

export function s3Status(err: unknown): number | undefined {
  return (err as SdkError | undefined)?.$metadata?.httpStatusCode;
}

export function s3Code(err: unknown): string {
  const e = err as SdkError | undefined;
  return e?.code ?? e?.name ?? 'Error';
}

/**
 * A missing object. HEAD answers carry no error code, so a 404 from HeadObject is absence too (it cannot
 * tell a missing bucket from a missing key; the bucket is checked at open and by ping()).
 */
export function isS3Absent(err: unknown): boolean {
  const code = s3Code(err);
  return code === 'NoSuchKey' || code === 'NotFound' || (s3Status(err) === 404 && code !== 'NoSuchBucket');
}

const AUTH_CODES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidClientTokenId',
  'Forbidden',
  'Unauthorized',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** Why the store did not answer, in words an operator can act on. */
function explain(err: unknown, store: string): string {
  const code = s3Code(err);
  const status = s3Status(err);
  // HEAD answers have no body, so no error code: the SDK calls them 'Unknown'.
  const said = status === undefined ? code : code === 'Unknown' ? `HTTP ${status}` : `${code}, HTTP ${status}`;
  if (code === 'CredentialsProviderError' || code === 'CredentialsError')
    return `${store}: no AWS credentials found (set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)`;
  if (code === 'RequestTimeTooSkewed') return `${store}: the storage refused the request because this machine's clock is off (${said})`;
  if (AUTH_CODES.has(code) || status === 401 || status === 403)
    return `${store}: the storage refused our credentials or permissions (${said}); check AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE and the bucket's policy`;
  if (code === 'NoSuchBucket') return `${store}: the bucket does not exist (${said})`;
  if (status === 301 || code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed')
    return `${store}: the bucket is in another region than AWS_REGION (${said})`;
  if (code === 'TimeoutError' || code === 'RequestTimeout' || code === 'ETIMEDOUT') return `${store}: the storage did not answer in time (${said})`;
  if (NETWORK_CODES.has(code)) return `${store}: the storage endpoint cannot be reached (${code})`;
  if (status === 429 || status === 503 || code === 'SlowDown' || code.includes('Throttl')) return `${store}: the storage is throttling us (${said})`;
  if (status !== undefined && status >= 500) return `${store}: the storage failed (${said})`;
  return `${store}: the storage refused the request (${said})`;
}

/** A GmpError for any failure to talk to S3; GmpErrors pass through unchanged. */
export function s3Error(err: unknown, store: string): GmpError {
  if (err instanceof GmpError) return err;
  if (s3Code(err) === 'InvalidRange' || s3Status(err) === 416) return gmpError('GMP_ERR_REQUEST_RANGE', 'the requested range is not satisfiable', err);
  return gmpError('GMP_ERR_STORAGE_UNAVAILABLE', explain(err, store), err);
}

/** For a missing bucket a HEAD answers a bare 404; ping() names it. */
export function bucketError(err: unknown, store: string): GmpError {
  if (s3Status(err) === 404) return gmpError('GMP_ERR_STORAGE_UNAVAILABLE', `${store}: the bucket does not exist (HTTP 404)`, err);
  return s3Error(err, store);
}
