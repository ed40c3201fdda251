// The marks of imported versions (`bundled/…` in the content store, written by bundle/import-commit.ts before
// a version's files are stored, so a stored zip is never evictable) and the locks their commit holds. A mark
// whose zip is not stored protects nothing: an import killed between the two (or whose write failed there)
// leaves one. Eviction, the one reader of marks, neither counts it as a protected version nor keeps anything for
// it, and a pass that has to evict removes it once it can hold the version's locks and still finds no zip there
// (the locks, not the start of a process, tell a mark left behind from one of an import running on another
// replica). Until then, a zip a fill stores for that version is kept as imported: what the import was doing.
import { fillLockName } from '../coord/exclusive.js';
import type { Exclusive, Held } from '../coord/exclusive.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import { bundledKey } from './content-keys.js';

/**
 * What an import holds while it commits a version, from before its mark until its zip is stored: the fill locks
 * of its .mod, .zip and .info, in the order an upload takes them.
 */
export const versionLocks = (modulePath: string, version: string): string[] =>
  (['mod', 'zip', 'info'] as const).map((kind) => fillLockName(artifactKey(modulePath, version, kind)));

export interface StrayMarkDeps {
  /** The module cache. */
  readonly store: BlobStore;
  readonly content: BlobStore;
  readonly locks: Exclusive;
}

/**
 * Removes the marks of versions (`path@version` names) whose zip the store does not hold. A version an import or a
 * fill holds now is left for a later pass, as is every one while the locks cannot be asked (a coordinator outage).
 */
export async function removeStrayMarks(deps: StrayMarkDeps, names: Iterable<string>): Promise<void> {
  for (const name of names) {
    // A module path holds no '@'.
    const at = name.lastIndexOf('@');
    await removeIfStray(deps, name.slice(0, at), name.slice(at + 1)).catch(() => undefined);
  }
}

async function removeIfStray(deps: StrayMarkDeps, modulePath: string, version: string): Promise<void> {
  const held: Held[] = [];
  try {
    for (const name of versionLocks(modulePath, version)) {
      const h = await deps.locks.tryHold(name);
      if (h === undefined) return;
      held.push(h);
    }
    if ((await deps.store.stat(artifactKey(modulePath, version, 'zip'))) === undefined) await deps.content.delete(bundledKey(modulePath, version));
  } finally {
    await Promise.all(held.map((h) => h.release()));
  }
}
