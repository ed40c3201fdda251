// Builds a version list from what the cache holds, for cache-only requests and for when every
// upstream is down and no list was ever fetched (air-gapped use of a pre-filled cache).
import { isCanonicalModuleVersion } from '../protocol/module-path.js';
import { unescapeVersion } from '../protocol/escape.js';
import { sortVersions } from '../protocol/semver.js';
import { versionsPrefix } from '../storage/keys.js';
import type { Storage } from '../storage/types.js';
import { formatList } from '../upstream/validate.js';

export async function listFromStorage(storage: Storage, modulePath: string): Promise<Buffer | undefined> {
  const names = await storage.list(versionsPrefix(modulePath));
  const versions = new Set<string>();
  for (const name of names) {
    const m = /^(.+)\.(?:info|mod|zip)$/.exec(name);
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
