// Which modules this proxy already holds at or under a repository's path (the root module, /vN majors,
// modules in subdirectories): a push to a repository refreshes only those, never a repository nobody uses.
import { unescapePath } from '../protocol/escape.js';
import { escapePath } from '../protocol/escape.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';

/** Keys looked at per repository path at most: a huge repository still answers quickly (its root first). */
const MAX_KEYS = 20_000;

export async function knownModules(store: BlobStore, repoPath: string): Promise<string[]> {
  const found = new Set<string>();
  let seen = 0;
  for await (const key of listAll(store, `${escapePath(repoPath)}/`)) {
    const at = key.search(/\/@(?:v\/|latest$)/);
    if (at > 0) {
      try {
        found.add(unescapePath(key.slice(0, at)));
      } catch {
        // not a module's key
      }
    }
    if (++seen >= MAX_KEYS) break;
  }
  // The root module's own keys start with "<repo>/@v/": listed above since the prefix ends with "/".
  return [...found];
}
