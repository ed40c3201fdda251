// Opening the S3 storage at start: a setting the store refuses (credentials, bucket, region) stops the start
// with a message that says which; a store that does not answer yet is an outage: the instance starts
// unready (/readyz 503) and becomes ready by itself when the store answers.
import { gmpError, isGmpError } from '../errors.js';
import { isS3Refusal } from '../storage/s3-errors.js';
import type { S3Store } from '../storage/s3-store.js';

/**
 * How long the start waits for the store, as long as a /readyz probe (coord/availability.ts): a store that
 * accepts connections and never answers would otherwise hold the start for the client's timeouts and
 * retries (a minute and a half), not listening, where it should start unready at once.
 */
export const START_PROBE_MS = 5000;

export interface OpenedS3 {
  readonly store: S3Store;
  /** Why the store could not be reached at start, when it could not. */
  readonly unreachable?: string;
}

export async function openS3(url: string, forcePathStyle: boolean, probeMs = START_PROBE_MS): Promise<OpenedS3> {
  // The AWS SDK loads only when S3 is configured: it adds about 25 MiB to every process.
  const { S3Store } = await import('../storage/s3-store.js');
  const store = new S3Store(url, { forcePathStyle });
  await store.checkRegion();
  const late = new AbortController();
  const timer = setTimeout(() => late.abort(), probeMs);
  try {
    await store.probe(late.signal);
    return { store };
  } catch (err) {
    if (late.signal.aborted) return { store, unreachable: `${store.name}: no answer within ${probeMs} ms` };
    const cause = isGmpError(err) ? err.cause : err;
    if (isGmpError(err, 'GMP_ERR_STORAGE_UNAVAILABLE') && !isS3Refusal(cause)) return { store, unreachable: err.message };
    store.client.destroy();
    throw isGmpError(err, 'GMP_ERR_CONFIG') ? err : gmpError('GMP_ERR_CONFIG', (err as Error).message, err);
  } finally {
    clearTimeout(timer);
  }
}
