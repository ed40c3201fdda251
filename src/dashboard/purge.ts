// Purging one cached version: its artifacts leave the BlobStore (so every worker and replica sees it gone)
// and every process forgets what it holds in memory; the next request fills it again. What stays, on
// purpose: the own checksum database's records (an append-only log cannot forget, clients' go.sum files
// hold the same hash, and a refill must hash as recorded: src/verify/own-record-gate.ts), the module's
// @v/list (the version still exists upstream), and its quarantine. What goes with it: the mark of an imported
// version (a refill is no longer the bundle's, so eviction may remove it like any other).
import { gmpError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { ArtifactKind } from '../storage/keys.js';
import { artifactKey } from '../storage/keys.js';

/** In this order: the zip before its hash (a zip found without a hash would be hashed and the hash written back). */
export const PURGED: readonly ArtifactKind[] = ['zip', 'ziphash', 'mod', 'info', 'zipsumdb', 'modsumdb'];

/** What a purge needs beside the module store, from the composition root (app/dashboard-admin.ts). */
export interface PurgeGuard {
  /**
   * Runs work holding what a fill, upload or bundle import of the version holds, so none of them stores or marks it
   * meanwhile; waits a bounded time for them (GMP_ERR_LOCK_WAIT after that).
   */
  holding<T>(path: string, version: string, work: () => Promise<T>): Promise<T>;
  /** Removes the version's bundle mark (content/bundled-marks.ts); true when there was one. */
  unmark(path: string, version: string): Promise<boolean>;
}

export interface PurgeResult {
  readonly path: string;
  readonly version: string;
  /** Files that were cached and are deleted now. */
  readonly deleted: ArtifactKind[];
  /** The version had been imported from a bundle: its mark is removed too. */
  readonly bundled?: true;
}

export async function purgeVersion(store: BlobStore, guard: PurgeGuard, path: string, version: string, forget: () => Promise<void>): Promise<PurgeResult> {
  const result = await guard.holding(path, version, async (): Promise<PurgeResult> => {
    const present = await Promise.all(PURGED.map(async (k) => ((await store.stat(artifactKey(path, version, k))) === undefined ? undefined : k)));
    const deleted = present.filter((k): k is ArtifactKind => k !== undefined);
    if (!deleted.some((k) => k === 'zip' || k === 'mod' || k === 'info'))
      throw gmpError('GMP_ERR_NOT_FOUND', `not found: ${path}@${version} is not in the cache`);
    for (const k of PURGED) await store.delete(artifactKey(path, version, k));
    // After the files: a process killed in between leaves a mark without its zip, which eviction removes.
    const bundled = await guard.unmark(path, version);
    return { path, version, deleted, ...(bundled ? { bundled: true as const } : {}) };
  });
  await forget();
  return result;
}
