// Pseudo-versions (golang.org/x/mod/module/pseudo.go, Go 1.19): recognising, building and taking them apart.
// Digest §3.1. Parsing functions throw Error with Go's wording for anything that is not a pseudo-version.
import { goQuote } from './go-quote.js';
import * as semver from './semver.js';

const PSEUDO_RE = /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** module.IsPseudoVersion: at least two dashes, valid semver, and one of the three pseudo-version shapes. */
export function isPseudoVersion(v: string): boolean {
  return v.split('-').length > 2 && semver.isValid(v) && PSEUDO_RE.test(v);
}

/** Go's time layout 20060102150405 (module.PseudoVersionTimestampFormat), in UTC. */
export function formatTimestamp(t: Date): string {
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${pad(t.getUTCFullYear(), 4)}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}` +
    `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`
  );
}

/** Adds one to a decimal string ("9" → "10"). */
function incDecimal(d: string): string {
  const digits = [...d];
  let i = digits.length - 1;
  for (; i >= 0 && digits[i] === '9'; i--) digits[i] = '0';
  if (i >= 0) digits[i] = String(Number(digits[i]) + 1);
  else digits.unshift('1');
  return digits.join('');
}

/** Subtracts one from a decimal string; '' when it would go negative. */
function decDecimal(d: string): string {
  const digits = [...d];
  let i = digits.length - 1;
  for (; i >= 0 && digits[i] === '0'; i--) digits[i] = '9';
  if (i < 0) return '';
  if (i === 0 && digits[i] === '1' && digits.length > 1) digits.shift();
  else digits[i] = String(Number(digits[i]) - 1);
  return digits.join('');
}

/**
 * module.PseudoVersion: the pseudo-version for a commit at time t with revision prefix rev, after the tag
 * `older` ('' for none). major defaults to v0. A `+incompatible` on older carries over.
 */
export function pseudoVersion(major: string, older: string, t: Date, rev: string): string {
  const segment = `${formatTimestamp(t)}-${rev}`;
  const build = semver.build(older);
  const base = semver.canonical(older);
  if (base === '') return `${major || 'v0'}.0.0-${segment}`;
  if (semver.prerelease(base) !== '') return `${base}.0.${segment}${build}`;
  const i = base.lastIndexOf('.') + 1;
  return `${base.slice(0, i)}${incDecimal(base.slice(i))}-0.${segment}${build}`;
}

/** module.ZeroPseudoVersion: vX.0.0-00010101000000-000000000000. */
export function zeroPseudoVersion(major: string): string {
  // Go's zero time.Time is 0001-01-01 00:00:00 UTC.
  return `${major || 'v0'}.0.0-00010101000000-000000000000`;
}

function invalidPseudo(v: string, reason: string): Error {
  return new Error(`pseudo-version ${goQuote(v)} invalid: ${reason}`);
}

interface PseudoParts {
  base: string;
  timestamp: string;
  rev: string;
  build: string;
}

function parsePseudoVersion(v: string): PseudoParts {
  if (!isPseudoVersion(v)) throw invalidPseudo(v, 'syntax error');
  const build = semver.build(v);
  const rest = v.slice(0, v.length - build.length);
  const j = rest.lastIndexOf('-');
  const head = rest.slice(0, j);
  const rev = rest.slice(j + 1);
  const i = head.lastIndexOf('-');
  const dot = head.lastIndexOf('.');
  if (dot > i) return { base: head.slice(0, dot), timestamp: head.slice(dot + 1), rev, build };
  return { base: head.slice(0, i), timestamp: head.slice(i + 1), rev, build };
}

/** module.PseudoVersionTime: the commit time encoded in v. */
export function pseudoVersionTime(v: string): Date {
  const { timestamp } = parsePseudoVersion(v);
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(timestamp);
  const [y, mo, d, h, mi, s] = (m ?? []).slice(1).map(Number) as number[];
  const t = new Date(0);
  t.setUTCFullYear(y ?? 0, (mo ?? 0) - 1, d);
  t.setUTCHours(h ?? 0, mi, s, 0);
  // Go's time.Parse rejects out-of-range fields instead of normalising them.
  if (m === null || formatTimestamp(t) !== timestamp) throw invalidPseudo(v, `malformed time ${goQuote(timestamp)}`);
  return t;
}

/** module.PseudoVersionRev: the revision identifier (the text after the last '-'). */
export function pseudoVersionRev(v: string): string {
  return parsePseudoVersion(v).rev;
}

/** module.PseudoVersionBase: the tag the pseudo-version builds on ('' for none), keeping a +incompatible build. */
export function pseudoVersionBase(v: string): string {
  const { base, build } = parsePseudoVersion(v);
  const pre = semver.prerelease(base);
  if (pre === '') {
    if (build !== '') throw invalidPseudo(v, `lacks base version, but has build metadata ${goQuote(build)}`);
    return '';
  }
  if (pre === '-0') {
    const release = base.slice(0, -pre.length);
    const i = release.lastIndexOf('.');
    const patch = decDecimal(release.slice(i + 1));
    if (patch === '') throw invalidPseudo(v, `version before ${release} would have negative patch number`);
    return `${release.slice(0, i + 1)}${patch}${build}`;
  }
  return `${base.slice(0, -'.0'.length)}${build}`;
}
