// GOSUMDB syntax (§7.2): `off`, a known name, or `name+hash+key [URL]`. The verifier key is checked
// (algorithm Ed25519, key hash = first 4 bytes of SHA-256(name "\n" alg key)) when configured.
import { createHash } from 'node:crypto';
import { goFields } from './go-space.js';

export interface SumdbSpec {
  readonly name: string;
  /** The verifier key, `name+hash+base64`. */
  readonly key: string;
  /** Base URL of the database (https://<name> unless given). */
  readonly url: string;
}

export const SUM_GOLANG_ORG_KEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

/**
 * The go command's rule for database names: host[/path], no funny business (modfetch dbDial); and no `.` or `..`
 * element, which the go command lets through but which would lead the database's folder under <data>/sumdb/
 * out of it.
 */
export function isSumdbName(name: string): boolean {
  return /^[A-Za-z0-9.\-_~]+(\/[A-Za-z0-9.\-_~]+)*$/.test(name) && !name.split('/').some((e) => e === '.' || e === '..');
}

export function parseGosumdb(value: string): SumdbSpec | 'off' {
  const fields = goFields(value);
  if (fields.length === 1 && fields[0] === 'off') return 'off';
  if (fields.length < 1 || fields.length > 2) throw new Error(`GOSUMDB value ${JSON.stringify(value)} must be "off", a name or key, and an optional URL`);
  let key = fields[0] as string;
  let url = fields[1];
  if (key === 'sum.golang.google.cn') {
    key = SUM_GOLANG_ORG_KEY;
    url ??= 'https://sum.golang.google.cn';
  } else if (key === 'sum.golang.org') {
    key = SUM_GOLANG_ORG_KEY;
  }
  const name = checkVerifierKey(key);
  if (!isSumdbName(name)) throw new Error(`checksum database name ${JSON.stringify(name)} must look like host[/path]`);
  url ??= `https://${name}`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`checksum database URL ${JSON.stringify(url)} is not a URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error(`checksum database URL ${JSON.stringify(url)} must be http(s)`);
  return { name, key, url: url.replace(/\/+$/, '') };
}

/** Validates a verifier key and returns its name. */
export function checkVerifierKey(key: string): string {
  const m = /^([^+]*)\+([^+]*)\+(.*)$/s.exec(key);
  if (m === null) throw new Error(`invalid checksum database key ${JSON.stringify(key)}: want name+hash+key (or a known name)`);
  const [, name = '', hash = '', b64 = ''] = m;
  if (name === '' || /\s/.test(name)) throw new Error(`invalid checksum database key: bad name ${JSON.stringify(name)}`);
  // note.NewVerifier parses the hash with strconv.ParseUint(…, 16, 32), so either letter case is fine.
  if (!/^[0-9a-fA-F]{8}$/.test(hash)) throw new Error(`invalid checksum database key for ${name}: hash must be 8 hex digits`);
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 33 || raw[0] !== 1 || raw.toString('base64') !== b64) {
    throw new Error(`invalid checksum database key for ${name}: want base64 of an Ed25519 key (algorithm 1, 32 bytes)`);
  }
  const sum = createHash('sha256').update(`${name}\n`).update(raw).digest();
  if (sum.subarray(0, 4).toString('hex') !== hash.toLowerCase()) throw new Error(`invalid checksum database key for ${name}: key hash does not match`);
  return name;
}
