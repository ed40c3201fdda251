// Finds the modules the cache holds by path prefix, straight from the BlobStore's listing (fs, S3, memory
// alike): one listing under the prefix's folder, jumping past each module's own files with the cursor,
// so a module with a thousand versions costs no more than one with one. Positions here are store keys; the API
// seals them into opaque cursors (search-cursor.ts), as one may be a key of a module the asker may not read.
import { gmpError } from '../errors.js';
import { unescapePath } from '../protocol/escape.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface SearchOptions {
  /** Resume after this store key: where the previous page stopped (its `after`). */
  readonly after?: string;
  readonly limit: number;
  /** Modules the asker may not read are skipped, as if absent. */
  readonly mayRead: (modulePath: string) => boolean;
}

export interface SearchPage {
  readonly modules: string[];
  /** Present when more modules may follow: the store key to resume after, for this prefix only. */
  readonly after?: string;
}

/** Store listings per search at most: a search that finds few modules in a huge cache answers part-way. */
const MAX_LISTINGS = 25;
const PAGE = 1000;

/** A module path prefix as the cache spells it: the same "!" case-encoding as whole paths. */
export function escapePrefix(prefix: string): string {
  if (!/^[A-Za-z0-9._~/-]*$/.test(prefix))
    throw gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: a module path prefix has only letters, digits and - . _ ~ /');
  return prefix.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** The escaped module path of a cache key (`<module>/@v/…`, `<module>/@latest`, `<module>/@q/…`), if it is one. */
function moduleOfKey(key: string): string | undefined {
  const at = key.indexOf('/@');
  return at > 0 ? key.slice(0, at) : undefined;
}

/** A cursor just past every key of a module (`~` sorts after `@v`, `@q`, `@latest`, before nested modules' names). */
const pastModule = (escapedModule: string): string => `${escapedModule}/@~`;

export async function searchModules(store: BlobStore, prefix: string, opts: SearchOptions): Promise<SearchPage> {
  const escaped = escapePrefix(prefix);
  const folder = escaped.slice(0, escaped.lastIndexOf('/') + 1);
  const modules: string[] = [];
  // Keys before the prefix are skipped by starting at it; a key equal to the prefix would be a module folder, never a blob.
  let cursor = opts.after ?? (escaped === folder ? undefined : escaped);
  for (let listings = 0; listings < MAX_LISTINGS; listings++) {
    const page = await store.list(folder, { cursor, limit: PAGE });
    let skipTo: string | undefined;
    for (const key of page.keys) {
      if (skipTo !== undefined && key < skipTo) continue;
      if (!key.startsWith(escaped)) return { modules };
      const mod = moduleOfKey(key);
      if (mod === undefined) continue;
      skipTo = pastModule(mod);
      const path = readablePath(mod);
      if (path === undefined || !opts.mayRead(path)) continue;
      modules.push(path);
      if (modules.length >= opts.limit) return { modules, after: skipTo };
    }
    if (page.cursor === undefined) return { modules };
    cursor = skipTo !== undefined && skipTo > page.cursor ? skipTo : page.cursor;
  }
  // Out of listings, maybe among modules the asker may not read: the position may name one of them, which
  // is why the API hands it out sealed.
  return { modules, after: cursor };
}

function readablePath(escaped: string): string | undefined {
  try {
    return unescapePath(escaped);
  } catch {
    return undefined;
  }
}
