// The `<escpath>@<escversion>` part of `/lookup/` URLs (§7.1): Go's case-encoding (`!` before a lowered
// capital) and the x/mod server's syntax check. Kept here so sumdb depends on nothing above it.

/** The x/mod server answers 400 unless the target matches this. */
export const LOOKUP_TARGET = /^[^@]+@v[0-9]+\.[0-9]+\.[0-9]+(-[^@]*)?(\+incompatible)?$/;

/** module.escapeString: capitals become `!` + lower case; `!` and non-ASCII cannot be encoded. */
export function caseEscape(s: string): string {
  let out = '';
  for (const ch of s) {
    if (ch === '!' || ch.charCodeAt(0) >= 0x80) throw new Error(`invalid character in ${JSON.stringify(s)}`);
    out += ch >= 'A' && ch <= 'Z' ? `!${ch.toLowerCase()}` : ch;
  }
  return out;
}

/** module.unescapeString: returns null for capitals, a bad `!`, or non-ASCII. */
export function caseUnescape(s: string): string | null {
  let out = '';
  let bang = false;
  for (const ch of s) {
    if (ch.charCodeAt(0) >= 0x80) return null;
    if (bang) {
      bang = false;
      if (ch < 'a' || ch > 'z') return null;
      out += ch.toUpperCase();
    } else if (ch === '!') {
      bang = true;
    } else if (ch >= 'A' && ch <= 'Z') {
      return null;
    } else {
      out += ch;
    }
  }
  return bang ? null : out;
}

/** `/lookup/<escpath>@<escversion>` for a version with or without the `/go.mod` suffix. */
export function lookupPath(modulePath: string, version: string): string {
  const v = version.endsWith('/go.mod') ? version.slice(0, -'/go.mod'.length) : version;
  return `/lookup/${caseEscape(modulePath)}@${caseEscape(v)}`;
}

/** Parses the part after `/lookup/`; null where the x/mod server would answer 400. */
export function parseLookupTarget(target: string): { path: string; version: string } | null {
  if (!LOOKUP_TARGET.test(target)) return null;
  const at = target.indexOf('@');
  const path = caseUnescape(target.slice(0, at));
  const version = caseUnescape(target.slice(at + 1));
  return path === null || version === null ? null : { path, version };
}
