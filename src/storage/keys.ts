// Storage keys: the GOPROXY layout with case-encoded paths for module artifacts (so a directory or bucket
// of cached files can also be served by any static file server), and the one rule every key must pass.
import { gmpError } from '../errors.js';
import { escapePath, escapeVersion } from '../protocol/escape.js';

export type ArtifactKind = 'info' | 'mod' | 'zip' | 'ziphash';

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
