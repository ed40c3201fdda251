// Conditional creates (`PUT` with `If-None-Match: *`): whether a service honours them, and create-if-absent
// where it does. AWS, MinIO, Ceph and R2 do; Swift's s3api answers 501. Nothing may depend on them.
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import { s3Error, s3Status } from './s3-errors.js';

/** Answers meaning "this service does not do conditional creates" (rather than "the store is down"). */
const UNSUPPORTED = new Set([400, 501]);

/**
 * Whether conditional creates work, tried on a scratch key: a first create must succeed and a second be
 * refused with 412. A service that ignores the header lets the second through. The key is deleted after.
 */
export async function probeConditionalCreate(client: S3Client, Bucket: string, Key: string, store: string, signal?: AbortSignal): Promise<boolean> {
  const create = () => client.send(new PutObjectCommand({ Bucket, Key, Body: 'probe', IfNoneMatch: '*' }), { abortSignal: signal });
  try {
    await create();
  } catch (err) {
    if (UNSUPPORTED.has(s3Status(err) ?? 0)) return false;
    throw s3Error(err, store);
  }
  try {
    await create();
    return false;
  } catch (err) {
    if (s3Status(err) === 412) return true;
    if (UNSUPPORTED.has(s3Status(err) ?? 0)) return false;
    throw s3Error(err, store);
  } finally {
    // Once the caller gave up waiting, the scratch key is still removed, but not waited for.
    const removed = client.send(new DeleteObjectCommand({ Bucket, Key })).catch(() => undefined);
    if (signal?.aborted !== true) await removed;
  }
}

/** Creates the object unless one exists: true when created, false when it was there. */
export async function createIfAbsent(client: S3Client, input: PutObjectCommandInput, store: string): Promise<boolean> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.send(new PutObjectCommand({ ...input, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      if (s3Status(err) === 412) return false;
      // 409: another conditional write of this key is in flight (AWS); a later attempt sees its outcome.
      if (s3Status(err) !== 409 || attempt === 3) throw s3Error(err, store);
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
