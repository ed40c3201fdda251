// A cached module's page, read from the BlobStore: every version the cache holds with its time, zip size,
// h1 sums and downloads, and what the newest version's go.mod says (deprecated, retracted versions).
import { hashGoMod } from '../modzip/dirhash.js';
import { unescapeVersion } from '../protocol/escape.js';
import { isCanonicalModuleVersion } from '../protocol/module-path.js';
import { sortVersions } from '../protocol/semver.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { artifactKey, listKey, versionsPrefix } from '../storage/keys.js';
import { deprecation, latestOf, retractedBy } from './go-mod-notes.js';
import { mapLimit } from '../storage/map-limit.js';
import type { ModuleDetails, VersionRow } from './api-types.js';

export type { ModuleDetails, VersionRow } from './api-types.js';

/** Versions detailed at most on one page (each costs a few small reads). */
export const MAX_VERSIONS = 500;
const PARALLEL_READS = 16;

/** Cached version files by version: `v1.0.0` → {'info', 'mod', 'zip', 'ziphash', …}. */
async function cachedVersions(store: BlobStore, modulePath: string): Promise<Map<string, Set<string>>> {
  const prefix = versionsPrefix(modulePath);
  const out = new Map<string, Set<string>>();
  for await (const key of listAll(store, prefix)) {
    const m = /^(.+)\.(info|mod|zip|ziphash)$/.exec(key.slice(prefix.length));
    if (m === null) continue;
    let v: string;
    try {
      v = unescapeVersion(m[1] as string);
    } catch {
      continue;
    }
    if (!isCanonicalModuleVersion(v)) continue;
    let kinds = out.get(v);
    if (kinds === undefined) out.set(v, (kinds = new Set()));
    kinds.add(m[2] as string);
  }
  return out;
}

const text = async (store: BlobStore, key: string) => (await store.read(key))?.toString('utf8');

export function infoTime(info: string | undefined): string | undefined {
  if (info === undefined) return undefined;
  try {
    const t = (JSON.parse(info) as { Time?: unknown }).Time;
    return typeof t === 'string' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** undefined when the cache holds nothing of the module (not even its version list). */
export async function moduleDetails(store: BlobStore, modulePath: string, downloads: Readonly<Record<string, number>>): Promise<ModuleDetails | undefined> {
  const cached = await cachedVersions(store, modulePath);
  if (cached.size === 0 && (await store.stat(listKey(modulePath))) === undefined) return undefined;
  const all = sortVersions([...cached.keys()]).reverse();
  const shown = all.slice(0, MAX_VERSIONS);
  const latest = latestOf(all.filter((v) => cached.get(v)?.has('mod')));
  const goMod = latest === undefined ? undefined : await text(store, artifactKey(modulePath, latest, 'mod'));
  const retracted = goMod === undefined ? () => false : retractedBy(goMod);
  const versions = await mapLimit(shown, PARALLEL_READS, async (version): Promise<VersionRow> => {
    const has = cached.get(version) ?? new Set<string>();
    const key = (k: 'info' | 'mod' | 'zip' | 'ziphash') => artifactKey(modulePath, version, k);
    const [info, mod, zip, h1] = await Promise.all([
      has.has('info') ? text(store, key('info')) : undefined,
      has.has('mod') ? store.read(key('mod')) : undefined,
      has.has('zip') ? store.stat(key('zip')) : undefined,
      has.has('ziphash') ? text(store, key('ziphash')) : undefined,
    ]);
    return {
      version,
      time: infoTime(info),
      size: zip?.size,
      h1: zip === undefined ? undefined : h1?.trim(),
      goModH1: mod === undefined ? undefined : hashGoMod(mod),
      retracted: retracted(version),
      downloads: downloads[version] ?? 0,
      cached: ['info', 'mod', 'zip'].filter((k) => has.has(k)),
    };
  });
  return {
    path: modulePath,
    versions,
    notesFrom: latest,
    deprecated: goMod === undefined ? undefined : deprecation(goMod),
    truncated: all.length > shown.length,
  };
}
