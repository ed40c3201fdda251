// The S3 backend: blobs are objects in an S3-compatible bucket (AWS, MinIO, Ceph, R2, Swift's s3api), keyed
// exactly `[PREFIX/]<key>` in the GOPROXY layout, so the bucket can also be served as a static GOPROXY.
//
// What an operator sets (all read by the AWS SDK itself; gomodproxy adds no variables of its own):
//   --storage s3://BUCKET[/PREFIX]      the bucket, and a key prefix when several caches share one bucket
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), or AWS_PROFILE with ~/.aws/credentials,
//     or an instance/container role
//   AWS_REGION (or `region` in the profile); us-east-1 for most S3-compatible servers
//   AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL, or `endpoint_url` in the profile) for a non-AWS service
//   forcePathStyle (what --s3-force-path-style sets) for MinIO, Ceph and Swift
// Timeouts: connect 3 s, idle connection 20 s, a request until its answer 120 s; 3 attempts per request.
// A store that cannot be reached answers 503 with Retry-After; a missing bucket or refused credentials
// fail openS3Store() (and ping(), for /readyz) with a message that says so.
// Permissions needed: s3:ListBucket on the bucket; s3:GetObject, s3:PutObject, s3:DeleteObject under PREFIX/
// (and s3:AbortMultipartUpload for zips above 8 MiB). The start-up probe writes and deletes one object under
// PREFIX/_gomodproxy/probe/.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { gmpError } from '../errors.js';
import type { BlobInfo, BlobStore, ByteRange, ListOptions, ListPage } from './blob-store.js';
import { checkKey, checkPrefix } from './keys.js';
import { makeS3Client, parseS3Url, s3Name } from './s3-client.js';
import type { S3Location, S3StoreOptions } from './s3-client.js';
import { createIfAbsent, probeConditionalCreate } from './s3-conditional.js';
import { bucketError, isS3Absent, s3Error } from './s3-errors.js';

export type { S3StoreOptions } from './s3-client.js';

/**
 * Files above this go up in parts of this size (S3's minimum part is 5 MiB); smaller ones in one PUT. Each
 * part is a buffer the SDK can resend on a retry; a big upload holds at most PART_QUEUE of them at once.
 */
export const PART_SIZE = 8 * 1024 * 1024;
const PART_QUEUE = 2;

/** What a GOPROXY client or a browser should be told a blob is, when the bucket is served directly. */
function contentType(key: string): string | undefined {
  if (key.endsWith('.info')) return 'application/json';
  if (key.endsWith('.mod') || key.endsWith('/@v/list') || key.endsWith('/@latest')) return 'text/plain; charset=utf-8';
  if (key.endsWith('.zip')) return 'application/zip';
  return undefined;
}

export class S3Store implements BlobStore {
  readonly name: string;
  readonly bucket: string;
  /** '' or the key prefix ending in '/'. */
  readonly prefix: string;
  readonly client: S3Client;
  private conditional = false;

  /** No network here: openS3Store() also checks the bucket and probes what the service supports. */
  constructor(url: string, options: S3StoreOptions = {}) {
    const loc: S3Location = parseS3Url(url);
    this.bucket = loc.bucket;
    this.prefix = loc.prefix;
    this.name = s3Name(loc);
    this.client = makeS3Client(options);
  }

  /** Whether `If-None-Match: *` creates work here (AWS, MinIO, Ceph, R2: yes; Swift: no). Set by probe(). */
  get conditionalCreate(): boolean {
    return this.conditional;
  }

  private objectKey(key: string): string {
    return this.prefix + checkKey(key);
  }

  private async send<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      throw s3Error(err, this.name);
    }
  }

  /** Absence as undefined, every other failure translated. */
  private async unlessAbsent<T>(op: () => Promise<T>): Promise<T | undefined> {
    try {
      return await op();
    } catch (err) {
      if (isS3Absent(err)) return undefined;
      throw s3Error(err, this.name);
    }
  }

  /** A cheap round trip for /readyz: the bucket exists and our credentials may list it (abortable). */
  async ping(signal?: AbortSignal): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: signal });
    } catch (err) {
      throw bucketError(err, this.name);
    }
  }

  /** Checks the bucket and our credentials, then whether conditional creates work (on a scratch key). */
  /** The SDK must know a region before any request; without one the store is not configured (closed then). */
  async checkRegion(): Promise<void> {
    try {
      await this.client.config.region();
    } catch {
      this.client.destroy();
      throw gmpError('GMP_ERR_CONFIG', `${this.name}: no AWS region configured (set AWS_REGION, or region in the AWS profile)`);
    }
  }

  async probe(signal?: AbortSignal): Promise<void> {
    await this.ping(signal);
    this.conditional = await probeConditionalCreate(this.client, this.bucket, `${this.prefix}_gomodproxy/probe/${randomUUID()}`, this.name, signal);
  }

  /**
   * Creates key only if absent: true when created, false when it existed. Only where conditionalCreate
   * (nothing may depend on it: callers must be correct without it, e.g. with the `.info` written last).
   */
  async putIfAbsent(key: string, data: Buffer | string): Promise<boolean> {
    const Key = this.objectKey(key);
    if (!this.conditional) throw gmpError('GMP_ERR_INTERNAL', `${this.name} does not support conditional creates (check conditionalCreate first)`);
    return createIfAbsent(this.client, { Bucket: this.bucket, Key, Body: Buffer.from(data), ContentType: contentType(key) }, this.name);
  }

  async stat(key: string): Promise<BlobInfo | undefined> {
    const Key = this.objectKey(key);
    const out = await this.unlessAbsent(() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key })));
    if (out === undefined) return undefined;
    return { size: out.ContentLength ?? 0, mtimeMs: out.LastModified?.getTime() ?? 0 };
  }

  async read(key: string): Promise<Buffer | undefined> {
    const Key = this.objectKey(key);
    return this.unlessAbsent(async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
      const bytes = (await out.Body?.transformToByteArray()) ?? new Uint8Array();
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
  }

  async get(key: string, range?: ByteRange): Promise<Readable | undefined> {
    const Key = this.objectKey(key);
    const Range = range === undefined ? undefined : `bytes=${range.start}-${range.end}`;
    const out = await this.unlessAbsent(() => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, Range })));
    if (out === undefined) return undefined;
    // In Node the body is an http.IncomingMessage; an empty object may come without one.
    return out.Body instanceof Readable ? out.Body : Readable.from([]);
  }

  async put(key: string, data: Buffer | string): Promise<void> {
    const Key = this.objectKey(key);
    const Body = Buffer.from(data);
    await this.send(() =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body, ContentLength: Body.length, ContentType: contentType(key) })),
    );
  }

  /** Streams the file up (multipart above PART_SIZE; completing it is atomic), then removes it. */
  async putFile(key: string, file: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.send(async () => {
      const Body = createReadStream(file, { highWaterMark: 1024 * 1024 });
      try {
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key, Body, ContentType: contentType(key) },
          partSize: PART_SIZE,
          queueSize: PART_QUEUE,
          leavePartsOnError: false,
        });
        await upload.done();
      } finally {
        Body.destroy();
      }
    });
    await unlink(file).catch(() => undefined);
  }

  async delete(key: string): Promise<void> {
    const Key = this.objectKey(key);
    await this.unlessAbsent(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  /** ListObjectsV2 under PREFIX/prefix; our cursor is the last key returned, sent as StartAfter. */
  async list(prefix: string, options: ListOptions = {}): Promise<ListPage> {
    checkPrefix(prefix);
    const limit = Math.max(1, options.limit ?? 1000);
    const startAfter = options.cursor === undefined ? undefined : this.prefix + options.cursor;
    const keys: string[] = [];
    let token: string | undefined;
    // A service may answer a truncated page with no keys in it; go on until there is one, or the end.
    for (;;) {
      const out = await this.send(() =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            MaxKeys: limit - keys.length,
            ...(token === undefined ? { StartAfter: startAfter } : { ContinuationToken: token }),
          }),
        ),
      );
      for (const o of out.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key.slice(this.prefix.length));
      token = out.IsTruncated === true ? out.NextContinuationToken : undefined;
      if (token === undefined) return { keys };
      if (keys.length > 0) return { keys, cursor: keys[keys.length - 1] };
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Opens the store at `s3://BUCKET[/PREFIX]`: checks the bucket and credentials, and probes conditional creates. */
export async function openS3Store(url: string, options: S3StoreOptions = {}): Promise<S3Store> {
  const store = new S3Store(url, options);
  await store.checkRegion();
  try {
    await store.probe();
  } catch (err) {
    store.client.destroy();
    throw err;
  }
  return store;
}
