// Semantic versions as the go command reads them (golang.org/x/mod/semver, Go 1.19): a leading "v",
// shorthand vX / vX.Y, SemVer 2.0 precedence. Digest §2.1.

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  /** The text a shorthand lacks (".0.0" for vX, ".0" for vX.Y), '' otherwise. */
  short: string;
  prerelease: string;
  build: string;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isIdentChar = (c: string): boolean => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '-';

/** Reads a decimal number without leading zeros from the start of v. */
function parseNum(v: string): [num: string, rest: string] | undefined {
  if (!isDigit(v[0])) return undefined;
  let i = 1;
  while (isDigit(v[i])) i++;
  if (v[0] === '0' && i !== 1) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

/** A numeric identifier with a leading zero ("01") is forbidden in a prerelease. */
function isBadNum(id: string): boolean {
  return /^[0-9]+$/.test(id) && id.length > 1 && id[0] === '0';
}

/** Reads "-ident(.ident)*" (prerelease) or "+ident(.ident)*" (build) from the start of v. */
function parseIdents(v: string, lead: '-' | '+'): [ids: string, rest: string] | undefined {
  if (v[0] !== lead) return undefined;
  let i = 1;
  let start = 1;
  while (i < v.length && !(lead === '-' && v[i] === '+')) {
    const c = v[i] as string;
    if (!isIdentChar(c) && c !== '.') return undefined;
    if (c === '.') {
      if (start === i || (lead === '-' && isBadNum(v.slice(start, i)))) return undefined;
      start = i + 1;
    }
    i++;
  }
  if (start === i || (lead === '-' && isBadNum(v.slice(start, i)))) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function parse(v: string): Parsed | undefined {
  if (v[0] !== 'v') return undefined;
  const p: Parsed = { major: '', minor: '0', patch: '0', short: '', prerelease: '', build: '' };
  let r = parseNum(v.slice(1));
  if (r === undefined) return undefined;
  [p.major, v] = r;
  if (v === '') return { ...p, short: '.0.0' };
  if (v[0] !== '.') return undefined;
  r = parseNum(v.slice(1));
  if (r === undefined) return undefined;
  [p.minor, v] = r;
  if (v === '') return { ...p, short: '.0' };
  if (v[0] !== '.') return undefined;
  r = parseNum(v.slice(1));
  if (r === undefined) return undefined;
  [p.patch, v] = r;
  if (v[0] === '-') {
    const pre = parseIdents(v, '-');
    if (pre === undefined) return undefined;
    [p.prerelease, v] = pre;
  }
  if (v[0] === '+') {
    const b = parseIdents(v, '+');
    if (b === undefined) return undefined;
    [p.build, v] = b;
  }
  return v === '' ? p : undefined;
}

export function isValid(v: string): boolean {
  return parse(v) !== undefined;
}

/** vX.Y.Z[-pre] without build metadata; '' when v is invalid. `v1.2` → `v1.2.0`. */
export function canonical(v: string): string {
  const p = parse(v);
  if (p === undefined) return '';
  if (p.build !== '') return v.slice(0, v.length - p.build.length);
  return v + p.short;
}

/** `v2` for `v2.1.0`; '' when invalid. */
export function major(v: string): string {
  const p = parse(v);
  return p === undefined ? '' : v.slice(0, 1 + p.major.length);
}

/** `v2.1` for `v2.1.0`; '' when invalid. */
export function majorMinor(v: string): string {
  const p = parse(v);
  if (p === undefined) return '';
  const i = 1 + p.major.length;
  const j = i + 1 + p.minor.length;
  if (j <= v.length && v[i] === '.' && v.slice(i + 1, j) === p.minor) return v.slice(0, j);
  return `${v.slice(0, i)}.${p.minor}`;
}

/** The prerelease with its leading '-' (`-rc.1`), or ''. */
export function prerelease(v: string): string {
  return parse(v)?.prerelease ?? '';
}

/** The build metadata with its leading '+' (`+incompatible`), or ''. */
export function build(v: string): string {
  return parse(v)?.build ?? '';
}

/** Numbers compare by length first, then lexically (they have no leading zeros). */
function compareInt(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

function comparePrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  const xs = x.slice(1).split('.');
  const ys = y.slice(1).split('.');
  for (let i = 0; i < xs.length && i < ys.length; i++) {
    const dx = xs[i] as string;
    const dy = ys[i] as string;
    if (dx === dy) continue;
    const ix = /^[0-9]*$/.test(dx);
    const iy = /^[0-9]*$/.test(dy);
    if (ix !== iy) return ix ? -1 : 1;
    if (ix && dx.length !== dy.length) return dx.length < dy.length ? -1 : 1;
    return dx < dy ? -1 : 1;
  }
  return xs.length < ys.length ? -1 : 1;
}

/** -1, 0 or +1. An invalid version is less than every valid one; two invalid ones are equal. */
export function compare(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (pa === undefined && pb === undefined) return 0;
  if (pa === undefined) return -1;
  if (pb === undefined) return 1;
  return compareInt(pa.major, pb.major) || compareInt(pa.minor, pb.minor) || compareInt(pa.patch, pb.patch) || comparePrerelease(pa.prerelease, pb.prerelease);
}

/** The larger of two versions, canonicalized (Go's semver.Max). */
export function max(a: string, b: string): string {
  const ca = canonical(a);
  const cb = canonical(b);
  return compare(ca, cb) > 0 ? ca : cb;
}

/** Orders strings by their UTF-8 bytes, as Go compares strings (code-point order, not UTF-16). */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A sorted copy, as Go's semver.Sort: by precedence, ties broken by plain (byte) string order. */
export function sortVersions(list: readonly string[]): string[] {
  return [...list].sort((a, b) => compare(a, b) || compareUtf8(a, b));
}
