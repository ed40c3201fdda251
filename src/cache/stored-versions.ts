// Builds a version list from what the cache holds, for cache-only requests and for when every
// upstream is down and no list was ever fetched (air-gapped use of a pre-filled cache).
import { isCanonicalModuleVersion } from '../protocol/module-path.js';
import { unescapeVersion } from '../protocol/escape.js';
import { sortVersions } from '../protocol/semver.js';
import { formatList } from '../protocol/answers.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { versionsPrefix } from '../storage/keys.js';

export async function listFromStorage(store: BlobStore, modulePath: string): Promise<Buffer | undefined> {
  const prefix = versionsPrefix(modulePath);
  const versions = new Set<string>();
  for await (const key of listAll(store, prefix)) {
    const m = /^(.+)\.(?:info|mod|zip)$/.exec(key.slice(prefix.length));
    if (m === null) continue;
    try {
      const v = unescapeVersion(m[1] as string);
      if (isCanonicalModuleVersion(v)) versions.add(v);
    } catch {
      // not a version file
    }
  }
  if (versions.size === 0) return undefined;
  return Buffer.from(formatList(sortVersions([...versions])));
}
