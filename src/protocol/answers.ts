// The GOPROXY answers (go-module-protocols.md §1.3): validating what an upstream sent before anything is
// cached or served (every byte from an upstream is hostile until these checks pass), and formatting lists.
import { gmpError } from '../errors.js';
import { check, isCanonicalModuleVersion } from './module-path.js';
import { isValid, sortVersions } from './semver.js';

/** A validated `.info` / `@latest` answer; `body` is the exact JSON served to clients. */
export interface Info {
  readonly Version: string;
  readonly Time?: string;
  readonly body: Buffer;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** `role`: what the message calls the server (`upstream`, or `feed` for a followed index feed). */
export function badContent(upstream: string, what: string, role = 'upstream'): Error {
  return gmpError('GMP_ERR_UPSTREAM_BAD_CONTENT', `${role} ${upstream} sent an invalid ${what}`);
}

/** `@v/list`: keeps field 1 of each line when it is a canonical version that fits the module path. */
export function parseList(modulePath: string, text: string): string[] {
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const v = line.trim().split(/\s+/)[0] ?? '';
    if (v === '' || !isValid(v) || !isCanonicalModuleVersion(v)) continue;
    if (check(modulePath, v) !== undefined) continue;
    seen.add(v);
  }
  return sortVersions([...seen]);
}

export function formatList(versions: readonly string[]): string {
  return versions.map((v) => `${v}\n`).join('');
}

/** Whether a `.info` request must be answered with exactly the version asked for (§1.3, pitfall 2). */
export function isExactQuery(modulePath: string, query: string): boolean {
  return isCanonicalModuleVersion(query) && check(modulePath, query) === undefined;
}

/**
 * Parses and checks `.info` / `@latest` JSON. `query` is the requested version (undefined for @latest).
 * Returns the normalized Info, whose body keeps Version, Time and Origin only.
 */
export function parseInfo(upstream: string, modulePath: string, raw: Buffer, query?: string): Info {
  let obj: unknown;
  try {
    obj = JSON.parse(raw.toString('utf8'));
  } catch {
    throw badContent(upstream, `.info JSON for ${modulePath}: not JSON`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw badContent(upstream, `.info for ${modulePath}: not an object`);
  // Go's encoding/json matches keys case-insensitively.
  const field = (name: string): unknown => {
    const key = Object.keys(obj as object).find((k) => k.toLowerCase() === name.toLowerCase());
    return key === undefined ? undefined : (obj as Record<string, unknown>)[key];
  };
  const version = field('Version');
  const time = field('Time');
  const origin = field('Origin');
  if (typeof version !== 'string' || !isCanonicalModuleVersion(version) || check(modulePath, version) !== undefined) {
    throw badContent(upstream, `.info for ${modulePath}: Version ${JSON.stringify(version)} is not a valid version of this module`);
  }
  if (query !== undefined && isExactQuery(modulePath, query) && version !== query) {
    throw badContent(upstream, `.info for ${modulePath}@${query}: it names version ${version} instead`);
  }
  if (time !== undefined && time !== null && (typeof time !== 'string' || !RFC3339.test(time) || Number.isNaN(Date.parse(time)))) {
    throw badContent(upstream, `.info for ${modulePath}@${version}: Time is not RFC 3339`);
  }
  const out: Record<string, unknown> = { Version: version };
  if (typeof time === 'string') out.Time = time;
  if (origin !== undefined && origin !== null && typeof origin === 'object' && !Array.isArray(origin)) out.Origin = origin;
  return { Version: version, Time: typeof time === 'string' ? time : undefined, body: Buffer.from(JSON.stringify(out)) };
}
