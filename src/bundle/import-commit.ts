// Import, committing (only once the whole bundle verified): the databases' authenticated files, then their
// new trusted heads (compare-and-swap, so a head moved meanwhile by a fill is not overwritten), then per
// module its hash before its zip (as the fill path stores them), its .mod and .info, the merged version list
// and the mark that keeps it from eviction; then each version is announced as stored, as a fill announces its
// own: the own checksum database records it, the index feed publishes it.
import type { Coordinator } from '../coord/coordinator.js';
import { bundledKey } from '../content/content-keys.js';
import { parseList, formatList } from '../protocol/answers.js';
import { sortVersions } from '../protocol/semver.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey, listKey } from '../storage/keys.js';
import { trustedHeadKey } from '../verify/sumdb-ops.js';
import type { Staged, StagedModule } from './import-stage.js';
import type { VerifiedDb } from './import-verify.js';

export interface CommitDeps {
  readonly cache: BlobStore;
  readonly content: BlobStore;
  readonly sumdbStore: (db: string) => BlobStore;
  readonly coord: Coordinator;
  /**
   * Told of each version's go.mod and zip once stored, as a fill tells (the app wires it to the fill events:
   * the own checksum database, the index feed). A version already stored is told again: each listener keeps one.
   */
  readonly announce?: (stored: { module: string; version: string; kind: 'mod' | 'zip'; size: number; h1: string }) => void;
}

export interface CommitResult {
  /** Versions whose zip was not stored before. */
  readonly added: number;
  readonly already: number;
}

export async function commitBundle(s: Staged, dbs: readonly VerifiedDb[], deps: CommitDeps): Promise<CommitResult> {
  for (const db of dbs) {
    const store = deps.sumdbStore(db.name);
    for (const [rel, data] of db.written) await store.put(rel, data);
    // A head another process moved meanwhile stays: the stored proofs hold for the bundle's tree, and the
    // client proves the two heads consistent when it next merges them.
    if (db.latest !== '' && db.latest !== db.before) await deps.coord.cas(trustedHeadKey(db.name), db.before || undefined, db.latest);
  }
  let added = 0;
  const byPath = new Map<string, string[]>();
  for (const m of s.modules.values()) {
    if (await commitModule(m, deps.cache)) added++;
    await deps.content.put(bundledKey(m.entry.path, m.entry.version), '');
    const { path: module, version } = m.entry;
    deps.announce?.({ module, version, kind: 'mod', size: m.mod?.length ?? 0, h1: m.entry.mod });
    deps.announce?.({ module, version, kind: 'zip', size: m.entry.zipSize, h1: m.entry.zip });
    byPath.set(m.entry.path, [...(byPath.get(m.entry.path) ?? []), m.entry.version]);
  }
  for (const [path, versions] of byPath) {
    const key = listKey(path);
    const old = (await deps.cache.read(key))?.toString('utf8');
    const merged = new Set([...(old === undefined ? [] : parseList(path, old)), ...versions]);
    await deps.cache.put(key, formatList(sortVersions([...merged])));
  }
  return { added, already: s.modules.size - added };
}

/** true when the zip was not there before; a zip already stored is left alone (its h1 agreed, or import failed). */
async function commitModule(m: StagedModule, cache: BlobStore): Promise<boolean> {
  const { path, version } = m.entry;
  const zipKey = artifactKey(path, version, 'zip');
  const had = (await cache.stat(zipKey)) !== undefined;
  const kept = (await cache.read(artifactKey(path, version, 'ziphash')))?.toString('utf8');
  if (kept === undefined) await cache.put(artifactKey(path, version, 'ziphash'), m.entry.zip);
  if (!had && m.zip !== undefined) await cache.putFile(zipKey, m.zip.path);
  if (m.mod !== undefined && (await cache.stat(artifactKey(path, version, 'mod'))) === undefined) await cache.put(artifactKey(path, version, 'mod'), m.mod);
  if (m.info !== undefined && (await cache.stat(artifactKey(path, version, 'info'))) === undefined) await cache.put(artifactKey(path, version, 'info'), m.info);
  return !had;
}
