// The "!" case-encoding of module paths and versions in proxy URLs and cache paths (module.EscapePath and
// friends, digest §1.2). Failures throw GMP_ERR_REQUEST_INVALID with a reason fit to show to HTTP clients.
import { gmpError } from '../errors.js';
import { goQuote } from './go-quote.js';
import { checkFileElem, checkPath } from './module-path.js';

function invalid(reason: string): never {
  throw gmpError('GMP_ERR_REQUEST_INVALID', reason);
}

/** Writes every upper-case ASCII letter as "!" plus its lower-case form. */
function escapeString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** Why an escaped string cannot be decoded, or undefined when it can. */
function unescapeProblem(escaped: string): string | undefined {
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped.charCodeAt(i);
    if (c >= 0x80) return 'it contains a non-ASCII character';
    if (c >= 0x41 && c <= 0x5a) return 'it contains an upper-case letter (write "!" and the lower-case letter instead)';
    if (c === 0x21) {
      const next = escaped[i + 1];
      if (next === undefined) return 'it ends with "!"';
      if (next < 'a' || next > 'z') return '"!" must be followed by a lower-case letter';
      i++;
    }
  }
  return undefined;
}

function unescapeString(escaped: string): string {
  return escaped.replace(/!([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/**
 * Paths already escaped or unescaped, both ways: every storage key of a fill escapes its module path again, and
 * Go's path check is the larger part of a cold fill's own CPU after the I/O (a profile of a cold `go mod download`
 * showed ~80 ms of checks per 100 modules). Only valid paths are kept; bounded, emptied when full.
 */
const escapedPaths = new Map<string, string>();
const unescapedPaths = new Map<string, string>();
const MEMO_MAX = 4096;

function remember(memo: Map<string, string>, from: string, to: string): string {
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(from, to);
  return to;
}

/** module.EscapePath: `github.com/BurntSushi/toml` → `github.com/!burnt!sushi/toml`. The path must pass checkPath. */
export function escapePath(path: string): string {
  const known = escapedPaths.get(path);
  if (known !== undefined) return known;
  const err = checkPath(path);
  if (err !== undefined) invalid(`Cannot escape module path: ${err}.`);
  return remember(escapedPaths, path, escapeString(path));
}

/** module.EscapeVersion: `v1.0.0-RC1` → `v1.0.0-!r!c1`. The version must be a valid file name without "!". */
export function escapeVersion(v: string): string {
  const err = checkFileElem(v);
  // Go's escaper also refuses non-ASCII letters, which checkFileElem alone would allow.
  if (err !== undefined || v.includes('!') || /[^\x00-\x7f]/.test(v)) {
    invalid(`Cannot escape version ${goQuote(v)}: disallowed version string.`);
  }
  return escapeString(v);
}

/** module.UnescapePath: decodes the "!" encoding, then requires a valid module path. */
export function unescapePath(escaped: string): string {
  const known = unescapedPaths.get(escaped);
  if (known !== undefined) return known;
  const problem = unescapeProblem(escaped);
  if (problem !== undefined) invalid(`Invalid escaped module path ${goQuote(escaped)}: ${problem}.`);
  const path = unescapeString(escaped);
  const err = checkPath(path);
  if (err !== undefined) invalid(`Invalid escaped module path ${goQuote(escaped)}: ${err}.`);
  return remember(unescapedPaths, escaped, path);
}

/** module.UnescapeVersion: decodes the "!" encoding, then requires a valid file-name element. */
export function unescapeVersion(escaped: string): string {
  const problem = unescapeProblem(escaped);
  if (problem !== undefined) invalid(`Invalid escaped version ${goQuote(escaped)}: ${problem}.`);
  const v = unescapeString(escaped);
  const err = checkFileElem(v);
  if (err !== undefined) invalid(`Invalid escaped version ${goQuote(v)}: ${err}.`);
  return v;
}
