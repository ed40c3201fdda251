// Import, committing (only once the whole bundle verified): the databases' authenticated files, then their
// new trusted heads (compare-and-swap, so a head moved meanwhile by a fill is not overwritten), then per
// module version, holding the fill locks of its files (as fills and uploads do): the mark that keeps it from
// eviction, its .info and .mod, its hash, then its zip; then, under the list's lock, the version joins its
// module's @v/list (never before its zip: a listed version must be there to fetch). Each version is
// announced as stored, as a fill announces its own: the own checksum database records it, the index feed
// publishes it. A process killed at any point leaves each version as it was, or stored and marked: the mark
// comes before the zip is visible (a mark alone protects nothing, and eviction removes it: content/bundled-marks.ts),
// and importing again completes the rest.
import type { Coordinator } from '../coord/coordinator.js';
import { fillLockName, holdingOrGiveUp } from '../coord/exclusive.js';
import type { Exclusive, LockWait } from '../coord/exclusive.js';
import { versionLocks } from '../content/bundled-marks.js';
import { bundledKey } from '../content/content-keys.js';
import { hashGoMod } from '../modzip/dirhash.js';
import { parseList, formatList } from '../protocol/answers.js';
import { sortVersions } from '../protocol/semver.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey, listKey } from '../storage/keys.js';
import { trustedHeadKey } from '../verify/sumdb-ops.js';
import { coordinatorNeeded } from './coordinator-needed.js';
import { BundleError } from './import-stage.js';
import type { Staged, StagedModule } from './import-stage.js';
import type { VerifiedDb } from './import-verify.js';
import { cacheEntry } from './manifest.js';

export interface CommitDeps {
  readonly cache: BlobStore;
  readonly content: BlobStore;
  readonly sumdbStore: (db: string) => BlobStore;
  readonly coord: Coordinator;
  /** What fills hold an artifact's key with (coord/exclusive.ts): the import holds the same names. */
  readonly locks: Exclusive;
  /**
   * Told of each version's go.mod and zip once stored, as a fill tells (the app wires it to the fill events:
   * the own checksum database, the index feed). A version already stored is told again: each listener keeps one.
   */
  readonly announce?: (stored: { module: string; version: string; kind: 'mod' | 'zip'; size: number; h1: string }) => void;
  /** How long to wait for a lock another process holds (--bundle-lock-wait); by default as long as a fill waits (fill/locked.ts). */
  readonly lockWait?: LockWait;
}

export interface CommitResult {
  /** Versions whose zip was not stored before. */
  readonly added: number;
  readonly already: number;
}

const LOCK_WAIT: LockWait = { ms: 15 * 60_000, shown: '15m' };

export async function commitBundle(s: Staged, dbs: readonly VerifiedDb[], deps: CommitDeps): Promise<CommitResult> {
  let added = 0;
  let done = 0;
  try {
    for (const db of dbs) {
      const store = deps.sumdbStore(db.name);
      for (const [rel, data] of db.written) await store.put(rel, data);
      // A head another process moved meanwhile stays: the stored proofs hold for the bundle's tree, and the
      // client proves the two heads consistent when it next merges them.
      if (db.latest !== '' && db.latest !== db.before) await deps.coord.cas(trustedHeadKey(db.name), db.before || undefined, db.latest);
    }
    for (const m of s.modules.values()) {
      if (await commitModule(m, deps, done)) added++;
      done++;
      const { path: module, version } = m.entry;
      // Listed as soon as it is stored, not after the whole bundle: killed later, the list names what is stored.
      await listVersion(module, version, deps, done);
      deps.announce?.({ module, version, kind: 'mod', size: m.mod?.length ?? 0, h1: m.entry.mod });
      deps.announce?.({ module, version, kind: 'zip', size: m.entry.zipSize, h1: m.entry.zip });
    }
  } catch (err) {
    throw coordinatorNeeded(err, done);
  }
  return { added, already: s.modules.size - added };
}

/**
 * Runs work holding the names (coord/exclusive.ts holding); one held by another process for longer than the wait
 * stops the import with what it waited for and what to do.
 */
function held<T>(deps: CommitDeps, names: readonly string[], what: string, stored: number, work: () => Promise<T>): Promise<T> {
  const then = `${stored} of its module versions were stored before; import the same bundle again once it is free, or give --bundle-lock-wait a longer wait`;
  return holdingOrGiveUp(deps.locks, names, deps.lockWait ?? LOCK_WAIT, `another process holding ${what}`, then, work);
}

/** Adds a stored version to its module's @v/list (under the list's fill lock: a fill of the list may be storing it). */
function listVersion(modulePath: string, version: string, deps: CommitDeps, stored: number): Promise<void> {
  const key = listKey(modulePath);
  return held(deps, [fillLockName(key)], `the version list of ${modulePath}`, stored, async () => {
    const old = (await deps.cache.read(key))?.toString('utf8');
    const versions = old === undefined ? [] : parseList(modulePath, old);
    if (!versions.includes(version)) await deps.cache.put(key, formatList(sortVersions([...versions, version])));
  });
}

/**
 * true when the zip was not there before; a zip already stored is left alone (its h1 agrees). Under the fill
 * locks of the version's .mod, .zip and .info (in the order an upload takes them), the stored hashes are read
 * again: a fill that stored the version after the bundle was checked must have stored the same content.
 */
function commitModule(m: StagedModule, deps: CommitDeps, storedBefore: number): Promise<boolean> {
  const { path, version } = m.entry;
  const key = (kind: 'mod' | 'zip' | 'info' | 'ziphash') => artifactKey(path, version, kind);
  const { cache } = deps;
  return held(deps, versionLocks(path, version), `${path}@${version}`, storedBefore, async () => {
    const kept = (await cache.read(key('ziphash')))?.toString('utf8');
    if (kept !== undefined && kept !== m.entry.zip)
      throw new BundleError(cacheEntry(path, version, 'zip'), `${m.entry.zip} is not the ${kept} a fill stored while it was imported`, storedBefore);
    const keptMod = await cache.read(key('mod'));
    if (keptMod !== undefined && hashGoMod(keptMod) !== m.entry.mod)
      throw new BundleError(
        cacheEntry(path, version, 'mod'),
        `${m.entry.mod} is not the ${hashGoMod(keptMod)} of the go.mod a fill stored while it was imported`,
        storedBefore,
      );
    // Marked before any of its bytes is visible: whatever stops this process, a stored zip is never evictable.
    await deps.content.put(bundledKey(path, version), '');
    if (m.info !== undefined && (await cache.stat(key('info'))) === undefined) await cache.put(key('info'), m.info);
    if (m.mod !== undefined && keptMod === undefined) await cache.put(key('mod'), m.mod);
    const had = (await cache.stat(key('zip'))) !== undefined;
    if (kept === undefined) await cache.put(key('ziphash'), m.entry.zip);
    if (!had && m.zip !== undefined) await cache.putFile(key('zip'), m.zip.path);
    return !had;
  });
}
