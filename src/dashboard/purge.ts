// Purging one cached version: its artifacts leave the BlobStore (so every worker and replica sees it gone)
// and every process forgets what it holds in memory; the next request fills it again. What stays, on
// purpose: the own checksum database's records (an append-only log cannot forget, clients' go.sum files
// hold the same hash, and a refill must hash as recorded: src/verify/own-record-gate.ts), the module's
// @v/list (the version still exists upstream), and its quarantine.
import { gmpError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ArtifactKind } from '../storage/keys.js';
import { artifactKey } from '../storage/keys.js';

/** In this order: the zip before its hash (a zip found without a hash would be hashed and the hash written back). */
export const PURGED: readonly ArtifactKind[] = ['zip', 'ziphash', 'mod', 'info', 'zipsumdb', 'modsumdb'];

export interface PurgeResult {
  readonly path: string;
  readonly version: string;
  /** Files that were cached and are deleted now. */
  readonly deleted: ArtifactKind[];
}

export async function purgeVersion(store: BlobStore, path: string, version: string, forget: () => Promise<void>): Promise<PurgeResult> {
  const present = await Promise.all(PURGED.map(async (k) => ((await store.stat(artifactKey(path, version, k))) === undefined ? undefined : k)));
  const deleted = present.filter((k): k is ArtifactKind => k !== undefined);
  if (!deleted.some((k) => k === 'zip' || k === 'mod' || k === 'info'))
    throw gmpError('GMP_ERR_NOT_FOUND', `not found: ${path}@${version} is not in the cache`);
  for (const k of PURGED) await store.delete(artifactKey(path, version, k));
  await forget();
  return { path, version, deleted };
}
