// Finds the modules the cache holds by path prefix, straight from the BlobStore's listing (fs, S3, memory
// alike): one listing under the prefix's folder, jumping past each module's own files with the cursor,
// so a module with a thousand versions costs no more than one with one.
import { gmpError } from '../errors.js';
import { unescapePath } from '../protocol/escape.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface SearchOptions {
  /** Resume where the previous answer stopped (its opaque `cursor`). */
  readonly cursor?: string;
  readonly limit: number;
  /** Modules the asker may not read are skipped, as if absent. */
  readonly mayRead: (modulePath: string) => boolean;
}

export interface SearchPage {
  readonly modules: string[];
  /** Present when more modules may follow. */
  readonly cursor?: string;
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
  let cursor = opts.cursor ?? (escaped === folder ? undefined : escaped);
  if (cursor !== undefined && !/^[a-z0-9.\-_~!+@/]*$/.test(cursor)) throw gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: malformed cursor');
  // Whether the search has passed a module the asker may not read since the last one it found.
  let passedHidden = false;
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
      if (path === undefined || !opts.mayRead(path)) {
        passedHidden = true;
        continue;
      }
      passedHidden = false;
      modules.push(path);
      if (modules.length >= opts.limit) return { modules, cursor: skipTo };
    }
    if (page.cursor === undefined) return { modules };
    cursor = skipTo !== undefined && skipTo > page.cursor ? skipTo : page.cursor;
  }
  // Out of listings. A cursor is a key of the store: one past a module the asker may not read would name
  // that module (a private one, to a request without its token). Then the search ends part-way instead.
  return passedHidden ? { modules } : { modules, cursor };
}

function readablePath(escaped: string): string | undefined {
  try {
    return unescapePath(escaped);
  } catch {
    return undefined;
  }
}
