// Access tokens: their format (`gmp_<id>_<secret>`: the id finds the record, the secret proves it), the
// hash that is all gomodproxy keeps of one, and their scopes (read:GLOB, publish:GLOB, admin).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { malformedGlob, matchPrefixPatterns } from '../protocol/glob.js';

const TOKEN = /^gmp_([0-9a-f]{16})_[A-Za-z0-9_-]{43}$/;
/** Anything shaped like a token inside other text (a URL), its secret of any length. */
const TOKEN_IN_TEXT = /gmp_([0-9a-f]{16})_[A-Za-z0-9_-]+/g;

export type Action = 'read' | 'publish' | 'admin';

export interface Scope {
  readonly action: Action;
  /** GOPRIVATE-syntax globs; '' for admin. */
  readonly glob: string;
}

/** What is stored per token: never the token itself, only its SHA-256 (tokens are 256-bit random). */
export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  /** ISO times. */
  readonly created: string;
  readonly expires?: string;
  readonly revoked?: string;
  readonly hash: string;
}

export function newToken(): { id: string; token: string } {
  const id = randomBytes(8).toString('hex');
  return { id, token: `gmp_${id}_${randomBytes(32).toString('base64url')}` };
}

/** The record id a token names, or undefined when it is not shaped like one of ours. */
export function tokenId(token: string): string | undefined {
  return TOKEN.exec(token)?.[1];
}

/** Text with every token in it cut to its id (`gmp_<id>_<redacted>`), for logs. */
export function redactTokens(text: string): string {
  return text.includes('gmp_') ? text.replace(TOKEN_IN_TEXT, 'gmp_$1_<redacted>') : text;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of a presented token with a stored hash. */
export function matchesHash(token: string, hash: string): boolean {
  const a = createHash('sha256').update(token).digest();
  const b = Buffer.from(hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Parses `read:GLOB`, `publish:GLOB` or `admin`; throws with the reason. */
export function parseScope(text: string): Scope {
  const t = text.trim();
  if (t === 'admin') return { action: 'admin', glob: '' };
  const m = /^(read|publish):(.+)$/.exec(t);
  if (m === null || /\s/.test(m[2] as string) || (m[2] as string).split(',').every((g) => g.replace(/\/+$/, '') === '')) {
    throw new Error(`scope ${JSON.stringify(text)}: use read:GLOB, publish:GLOB (GOPRIVATE syntax, e.g. read:corp.example.com/*) or admin`);
  }
  const bad = malformedGlob(m[2] as string);
  if (bad !== undefined)
    throw new Error(`scope ${JSON.stringify(text)}: ${JSON.stringify(bad)} is not a valid pattern (path.Match syntax); it would match nothing`);
  return { action: m[1] as Action, glob: m[2] as string };
}

/**
 * Whether scopes permit an action: admin permits everything; read and publish need a scope of that
 * action whose glob matches the module path. Without a module path (a checksum-database tile, a list of
 * everything), any token permits reading: what is protected there is per module, and checked where it is served.
 */
export function permits(scopes: readonly Scope[], action: Action, modulePath?: string): boolean {
  for (const s of scopes) {
    if (s.action === 'admin') return true;
    if (action === 'admin' || s.action !== action) continue;
    if (modulePath === undefined || matchPrefixPatterns(s.glob, modulePath)) return true;
  }
  return action === 'read' && modulePath === undefined;
}
