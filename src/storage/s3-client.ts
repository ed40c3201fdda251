// The S3 side of the S3 store: where the blobs live (an `s3://BUCKET[/PREFIX]` URL) and the SDK client,
// configured for any S3-compatible service with bounded timeouts and retries.
import { S3Client } from '@aws-sdk/client-s3';
import { gmpError } from '../errors.js';

export interface S3StoreOptions {
  /** Path-style addressing (`endpoint/bucket/key`), which MinIO, Ceph and Swift need. */
  readonly forcePathStyle?: boolean;
  /** Connecting may take this long (default 3 s). */
  readonly connectTimeoutMs?: number;
  /** A connection may sit idle this long, response bodies included (default 20 s). */
  readonly idleTimeoutMs?: number;
  /** A request may take this long until its response headers, its body sent included (default 120 s). */
  readonly requestTimeoutMs?: number;
  /** Attempts per request, the SDK's retries of network errors, 5xx and throttling included (default 3). */
  readonly maxAttempts?: number;
}

export interface S3Location {
  readonly bucket: string;
  /** '' or the key prefix ending in '/'. */
  readonly prefix: string;
}

// AWS's bucket rules (lower case, digits, '.', '-'); a '_' is tolerated for older buckets and other services.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;
// A prefix is a run of key segments; upper case is allowed there (it is the operator's, not a module path).
const PREFIX_SEGMENT = /^[A-Za-z0-9._~!+@-]+$/;

/** Parses `s3://BUCKET[/PREFIX]`; a problem is a GMP_ERR_CONFIG naming what is wrong. */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/?#]+)(?:\/([^?#]*))?$/.exec(url);
  if (m === null) throw gmpError('GMP_ERR_CONFIG', `storage URL ${JSON.stringify(url)}: expected s3://BUCKET[/PREFIX]`);
  const bucket = m[1] as string;
  if (!BUCKET.test(bucket)) throw gmpError('GMP_ERR_CONFIG', `storage URL ${url}: ${JSON.stringify(bucket)} is not a valid bucket name`);
  const path = (m[2] ?? '').replace(/\/+$/, '');
  if (path === '') return { bucket, prefix: '' };
  for (const seg of path.split('/'))
    if (!PREFIX_SEGMENT.test(seg) || seg === '.' || seg === '..')
      throw gmpError('GMP_ERR_CONFIG', `storage URL ${url}: the prefix may hold only letters, digits and . _ ~ ! + @ - between single slashes`);
  return { bucket, prefix: `${path}/` };
}

/** The store's name for logs and messages. */
export function s3Name(loc: S3Location): string {
  return `s3://${loc.bucket}${loc.prefix === '' ? '' : `/${loc.prefix.slice(0, -1)}`}`;
}

/**
 * A client whose credentials, region and endpoint come from the SDK's own chain (environment, profiles,
 * ~/.aws/config, instance roles). Checksums only where S3 requires them: the default (aws-chunked
 * trailers on streamed bodies, CRC checks on every response) is refused by Swift with 501 and buys
 * nothing over TLS.
 */
export function makeS3Client(options: S3StoreOptions = {}): S3Client {
  quietSdkNodeNotice();
  const agent = { keepAlive: true, maxSockets: 128 };
  return new S3Client({
    forcePathStyle: options.forcePathStyle ?? false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? 3,
    requestHandler: {
      connectionTimeout: options.connectTimeoutMs ?? 3_000,
      socketTimeout: options.idleTimeoutMs ?? 20_000,
      requestTimeout: options.requestTimeoutMs ?? 120_000,
      throwOnRequestTimeout: true,
      httpAgent: agent,
      httpsAgent: agent,
    },
  });
}

/**
 * The SDK prints a nine-line notice to stderr when its first client is made on Node.js below 22: that SDK
 * versions published after January 2027 will need Node.js 22. It concerns which SDK versions gomodproxy can take
 * (package-lock.json pins the one it runs with), not the operator's process, and it landed in the middle of the
 * JSON log at every start on S3. An operator who sets the SDK's own switch to something else still gets it.
 */
function quietSdkNodeNotice(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}
