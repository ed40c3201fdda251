// Keys of the content store (src/app/layout.ts `content`): pinned and bundled module versions and coarse
// access times, each named `<prefix>/<escaped module>@<escaped version>` so a listing alone says what is there.
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from '../protocol/escape.js';
import { check } from '../protocol/module-path.js';

export interface ModuleVersion {
  readonly path: string;
  readonly version: string;
}

export const PINS = 'pins/';
export const BUNDLED = 'bundled/';
export const ACCESS = 'access/';

/** `<escaped module>@<escaped version>`: one name per module version, valid as a storage key part. */
export const versionName = (modulePath: string, version: string): string => `${escapePath(modulePath)}@${escapeVersion(version)}`;

export const pinKey = (modulePath: string, version: string): string => PINS + versionName(modulePath, version);
export const bundledKey = (modulePath: string, version: string): string => BUNDLED + versionName(modulePath, version);

/** An access record: the start of the time bucket in which the version was last served. */
export const accessKey = (modulePath: string, version: string, bucketMs: number): string => `${ACCESS}${versionName(modulePath, version)}/${bucketMs}`;

/** The module version a name stands for; undefined for anything that is not one. */
export function parseVersionName(name: string): ModuleVersion | undefined {
  const at = name.lastIndexOf('@');
  if (at <= 0) return undefined;
  try {
    const path = unescapePath(name.slice(0, at));
    const version = unescapeVersion(name.slice(at + 1));
    return check(path, version) === undefined ? { path, version } : undefined;
  } catch {
    return undefined;
  }
}

/** The versions named under a prefix (`pins/…`, `bundled/…`), as `path@version` strings. */
export function namesUnder(prefix: string, keys: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const key of keys) {
    const v = parseVersionName(key.slice(prefix.length));
    if (v !== undefined) out.add(`${v.path}@${v.version}`);
  }
  return out;
}
