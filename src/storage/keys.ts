// Storage keys: the GOPROXY layout with case-encoded paths for module artifacts (so a directory or bucket
// of cached files can also be served by any static file server), and the one rule every key must pass.
import { gmpError } from '../errors.js';
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from '../protocol/escape.js';
import { check } from '../protocol/module-path.js';

/** zipsumdb/modsumdb: which checksum databases verified the zip/go.mod when it was filled (src/verify/verdicts.ts). */
export type ArtifactKind = 'info' | 'mod' | 'zip' | 'ziphash' | 'zipsumdb' | 'modsumdb';

export function artifactKey(modulePath: string, version: string, kind: ArtifactKind): string {
  return `${escapePath(modulePath)}/@v/${escapeVersion(version)}.${kind}`;
}

export function listKey(modulePath: string): string {
  return `${escapePath(modulePath)}/@v/list`;
}

export function latestKey(modulePath: string): string {
  return `${escapePath(modulePath)}/@latest`;
}

/** Non-canonical `.info` queries (branches, hash prefixes) live apart from immutable versions. */
export function queryKey(modulePath: string, query: string): string {
  return `${escapePath(modulePath)}/@q/${escapeVersion(query)}.info`;
}

export function versionsPrefix(modulePath: string): string {
  return `${escapePath(modulePath)}/@v/`;
}

/** Markers of versions published to this proxy (not fetched), one per version: `<module>/@published/<version>`. */
export function publishedPrefix(modulePath: string): string {
  return `${escapePath(modulePath)}/@published/`;
}

export function publishedKey(modulePath: string, version: string): string {
  return `${publishedPrefix(modulePath)}${escapeVersion(version)}`;
}

/** A `.mod` or `.info` uploaded ahead of its version's zip, waiting for it. */
export function uploadKey(modulePath: string, version: string, kind: 'mod' | 'info'): string {
  return `${escapePath(modulePath)}/@upload/${escapeVersion(version)}.${kind}`;
}

// Every character escapePath and escapeVersion can emit (a query such as `feat(x)` included), plus '/';
// never a backslash, NUL or a control character. Traversal is refused element by element.
const SAFE_KEY = /^[a-z0-9.\-_~!+@/ #$%&()=,[\]^{}]+$/;
const MAX_KEY = 1024;

/** Whether a key is safe for every backend: the key alphabet, no empty, `.` or `..` segments, no leading '/'. */
export function isValidKey(key: string): boolean {
  if (key.length === 0 || key.length > MAX_KEY || !SAFE_KEY.test(key)) return false;
  for (const seg of key.split('/')) if (seg === '' || seg === '.' || seg === '..') return false;
  return true;
}

export function checkKey(key: string): string {
  if (!isValidKey(key)) throw gmpError('GMP_ERR_REQUEST_INVALID', 'invalid storage key');
  return key;
}

/** A list prefix: empty (everything) or a valid key followed by '/'. */
export function checkPrefix(prefix: string): string {
  if (prefix !== '' && (!prefix.endsWith('/') || !isValidKey(prefix.slice(0, -1)))) throw gmpError('GMP_ERR_REQUEST_INVALID', 'invalid storage prefix');
  return prefix;
}

/** Where markers naming several module versions wait for a log's writer (the feed's, the own checksum log's). */
export const BATCH_MARKERS = 'batches/';

/** Where markers of one version each (left by older releases; the key names it) wait for either log's writer. */
export const PENDING_MARKERS = 'pending/';

/**
 * Where the index feed's markers of versions about to be stored wait for its writer: written before the zip is,
 * so a process killed right after storing it leaves the version named (the writer publishes it once stored).
 */
export const INTENT_MARKERS = 'intents/';

/** A new batch marker's key (under `prefix`): ordered by `stamp` (a clock reading), made unique by a random suffix. */
export function batchMarkerKey(stamp: bigint, prefix: string = BATCH_MARKERS): string {
  return `${prefix}${stamp.toString().padStart(20, '0')}-${Math.random().toString(36).slice(2, 10)}`;
}

/** `<escaped path>@<escaped version>`: one module version as a key segment (markers of work left for a log's writer). */
export function versionMarker(modulePath: string, version: string): string {
  return `${escapePath(modulePath)}@${escapeVersion(version)}`;
}

/** The module version of a marker segment; undefined for anything that is not a valid module version. */
export function parseVersionMarker(name: string): { modulePath: string; version: string } | undefined {
  const at = name.lastIndexOf('@');
  if (at <= 0) return undefined;
  try {
    const modulePath = unescapePath(name.slice(0, at));
    const version = unescapeVersion(name.slice(at + 1));
    return check(modulePath, version) === undefined ? { modulePath, version } : undefined;
  } catch {
    return undefined;
  }
}
