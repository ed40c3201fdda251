// Builds GOPROXY request paths the way the go command sends them (§1.1): case-encode, then
// percent-encode each segment like Go's url.PathEscape, so `!` travels as `%21` and `+` stays `+`.
import { escapePath, escapeVersion } from './escape.js';

const KEEP = /[A-Za-z0-9\-_.~$&+:=@]/;

/** Go's url.PathEscape applied to each '/'-separated segment. */
export function goPathEscape(p: string): string {
  return p
    .split('/')
    .map((seg) => {
      let out = '';
      for (const byte of Buffer.from(seg, 'utf8')) {
        const ch = String.fromCharCode(byte);
        out += byte < 0x80 && KEEP.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      return out;
    })
    .join('/');
}

/** `/<module>/@v/<version>.<ext>` for a module path and version as the user spells them. */
export function versionPath(modulePath: string, version: string, ext: 'info' | 'mod' | 'zip'): string {
  return `/${goPathEscape(escapePath(modulePath))}/@v/${goPathEscape(escapeVersion(version))}.${ext}`;
}

export function listPath(modulePath: string): string {
  return `/${goPathEscape(escapePath(modulePath))}/@v/list`;
}

export function latestPath(modulePath: string): string {
  return `/${goPathEscape(escapePath(modulePath))}/@latest`;
}
