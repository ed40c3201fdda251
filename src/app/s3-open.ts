// Opening the S3 storage at start: a setting the store refuses (credentials, bucket, region) stops the start
// with a message that says which; a store that does not answer yet is an outage: the instance starts
// unready (/readyz 503) and becomes ready by itself when the store answers.
import { gmpError, isGmpError } from '../errors.js';
import { isS3Refusal } from '../storage/s3-errors.js';
import type { S3Store } from '../storage/s3-store.js';

export interface OpenedS3 {
  readonly store: S3Store;
  /** Why the store could not be reached at start, when it could not. */
  readonly unreachable?: string;
}

export async function openS3(url: string, forcePathStyle: boolean): Promise<OpenedS3> {
  // The AWS SDK loads only when S3 is configured: it adds about 25 MiB to every process.
  const { S3Store } = await import('../storage/s3-store.js');
  const store = new S3Store(url, { forcePathStyle });
  await store.checkRegion();
  try {
    await store.probe();
    return { store };
  } catch (err) {
    const cause = isGmpError(err) ? err.cause : err;
    if (isGmpError(err, 'GMP_ERR_STORAGE_UNAVAILABLE') && !isS3Refusal(cause)) return { store, unreachable: err.message };
    store.client.destroy();
    throw isGmpError(err, 'GMP_ERR_CONFIG') ? err : gmpError('GMP_ERR_CONFIG', (err as Error).message, err);
  }
}
