// Module, import and file path checks and path/version fit, as golang.org/x/mod/module (Go 1.19) does them.
// Every check returns undefined when valid, else Go's error text. Digest §2.2–2.4, §4.7.
import * as semver from './semver.js';
import { goQuote, goQuoteRune, isGoPrint } from './go-quote.js';

type PathKind = 'module' | 'import' | 'file';

const LONE_SURROGATE = /\p{Cs}/u;
const BAD_WINDOWS_NAMES = new Set(['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((n) => [`COM${n}`, `LPT${n}`])]);
const FILE_PUNCTUATION = '!#$%&()+,-.=@[]^_{}~ ';
const LETTER = /^\p{L}$/u;

function charOK(ch: string, kind: PathKind): boolean {
  const c = ch.charCodeAt(0);
  if (ch.length === 1 && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return true;
  if (kind === 'file') return ch.length === 1 && ch < '\x80' ? FILE_PUNCTUATION.includes(ch) : LETTER.test(ch);
  return '-._~'.includes(ch) || (kind === 'import' && ch === '+');
}

/** Go's checkElem: one '/'-free element of a path. */
function checkElem(elem: string, kind: PathKind): string | undefined {
  if (elem === '') return 'empty path element';
  if (/^\.+$/.test(elem)) return `invalid path element ${goQuote(elem)}`;
  if (elem[0] === '.' && kind === 'module') return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  for (const ch of elem) {
    if (!charOK(ch, kind)) return `invalid char ${goQuoteRune(ch)}`;
  }
  const dot = elem.indexOf('.');
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  // Only ASCII can spell a reserved name, so upper-casing ASCII is Go's EqualFold here.
  if (BAD_WINDOWS_NAMES.has(short.replace(/[a-z]/g, (c) => c.toUpperCase()))) {
    return `${goQuote(short)} disallowed as path element component on Windows`;
  }
  // Windows 8.3 short names (FOO~1) could alias another path; file paths are exempt.
  if (kind !== 'file' && /~[0-9]+$/.test(short)) return 'trailing tilde and digits in path element';
  return undefined;
}

function checkPathKind(path: string, kind: PathKind): string | undefined {
  if (LONE_SURROGATE.test(path)) return 'invalid UTF-8';
  if (path === '') return 'empty string';
  if (path[0] === '-' && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const elem of path.split('/')) {
    const err = checkElem(elem, kind);
    if (err !== undefined) return err;
  }
  return undefined;
}

/** The reason `path` is not a valid module path, or undefined (module.CheckPath). */
export function checkPath(path: string): string | undefined {
  const reason = checkModulePath(path);
  return reason === undefined ? undefined : `malformed module path ${goQuote(path)}: ${reason}`;
}

function checkModulePath(path: string): string | undefined {
  const err = checkPathKind(path, 'module');
  if (err !== undefined) return err;
  const slash = path.indexOf('/');
  const first = slash < 0 ? path : path.slice(0, slash);
  if (first === '') return 'leading slash';
  if (!first.includes('.')) return 'missing dot in first path element';
  if (path[0] === '-') return 'leading dash in first path element';
  for (const ch of first) {
    if (!/^[-.0-9a-z]$/.test(ch)) return `invalid char ${goQuoteRune(ch)} in first path element`;
  }
  if (!splitPathVersion(path).ok) return 'invalid version';
  return undefined;
}

/** module.CheckImportPath: like a module path, plus '+', with no rules for the first element. */
export function checkImportPath(path: string): string | undefined {
  const err = checkPathKind(path, 'import');
  return err === undefined ? undefined : `malformed import path ${goQuote(path)}: ${err}`;
}

/** module.CheckFilePath: the rule every file inside a module zip must pass. */
export function checkFilePath(path: string): string | undefined {
  const err = checkPathKind(path, 'file');
  return err === undefined ? undefined : `malformed file path ${goQuote(path)}: ${err}`;
}

/** Go's checkElem(v, filePath): the test a version must pass to be used as a file name (escaping, cache). */
export function checkFileElem(elem: string): string | undefined {
  if (LONE_SURROGATE.test(elem)) return 'invalid UTF-8';
  return checkElem(elem, 'file');
}

export interface PathVersionSplit {
  prefix: string;
  pathMajor: string;
  ok: boolean;
}

const isDigitAt = (s: string, i: number): boolean => s[i] !== undefined && s[i]! >= '0' && s[i]! <= '9';

/** module.SplitPathVersion: `example.com/m/v2` → (`example.com/m`, `/v2`); `gopkg.in/yaml.v2` → (`gopkg.in/yaml`, `.v2`). */
export function splitPathVersion(path: string): PathVersionSplit {
  if (path.startsWith('gopkg.in/')) return splitGopkgIn(path);
  let i = path.length;
  let dot = false;
  while (i > 0 && (isDigitAt(path, i - 1) || path[i - 1] === '.')) {
    if (path[i - 1] === '.') dot = true;
    i--;
  }
  if (i <= 1 || i === path.length || path[i - 1] !== 'v' || path[i - 2] !== '/') {
    return { prefix: path, pathMajor: '', ok: true };
  }
  const pathMajor = path.slice(i - 2);
  if (dot || pathMajor.length <= 2 || pathMajor[2] === '0' || pathMajor === '/v1') {
    return { prefix: path, pathMajor: '', ok: false };
  }
  return { prefix: path.slice(0, i - 2), pathMajor, ok: true };
}

function splitGopkgIn(path: string): PathVersionSplit {
  let i = path.length;
  if (path.endsWith('-unstable')) i -= '-unstable'.length;
  while (i > 0 && isDigitAt(path, i - 1)) i--;
  if (i <= 1 || path[i - 1] !== 'v' || path[i - 2] !== '.') return { prefix: path, pathMajor: '', ok: false };
  const pathMajor = path.slice(i - 2);
  if (pathMajor.length <= 2 || (pathMajor[2] === '0' && pathMajor !== '.v0')) {
    return { prefix: path, pathMajor: '', ok: false };
  }
  return { prefix: path.slice(0, i - 2), pathMajor, ok: true };
}

/** Go's "should be vN, not vM" reason, or undefined when v fits pathMajor. */
function majorMismatch(v: string, pathMajor: string): string | undefined {
  let pm = pathMajor;
  if (pm.startsWith('.v') && pm.endsWith('-unstable')) pm = pm.slice(0, -'-unstable'.length);
  // gopkg.in/x.v1 historically accepted v0 pseudo-versions.
  if (v.startsWith('v0.0.0-') && pm === '.v1') return undefined;
  const m = semver.major(v);
  let want = pm;
  if (pm === '') {
    if (m === 'v0' || m === 'v1' || semver.build(v) === '+incompatible') return undefined;
    want = 'v0 or v1';
  } else if (pm[0] === '/' || pm[0] === '.') {
    if (m === pm.slice(1)) return undefined;
    want = pm.slice(1);
  }
  return `should be ${want}, not ${m}`;
}

/** module.CheckPathMajor: whether version v may be used with a path whose major suffix is pathMajor. */
export function checkPathMajor(v: string, pathMajor: string): string | undefined {
  const reason = majorMismatch(v, pathMajor);
  return reason === undefined ? undefined : `version ${goQuote(v)} invalid: ${reason}`;
}

/** module.Check: a valid module path, a valid semantic version, and a version that fits the path's major suffix. */
export function check(path: string, version: string): string | undefined {
  const pathErr = checkPath(path);
  if (pathErr !== undefined) return pathErr;
  if (!semver.isValid(version)) return `${path}@${version}: invalid version: not a semantic version`;
  const reason = majorMismatch(version, splitPathVersion(path).pathMajor);
  return reason === undefined ? undefined : `${path}@${version}: invalid version: ${reason}`;
}

/** module.CanonicalVersion: semver.Canonical that keeps a `+incompatible` suffix. */
export function canonicalVersion(v: string): string {
  const cv = semver.canonical(v);
  return semver.build(v) === '+incompatible' ? `${cv}+incompatible` : cv;
}

/** True for the only version spellings a proxy serves: vX.Y.Z[-pre][+incompatible]. */
export function isCanonicalModuleVersion(v: string): boolean {
  return v !== '' && canonicalVersion(v) === v;
}

/** modfile.MustQuote: whether a go.mod token needs quoting. */
function mustQuote(s: string): boolean {
  for (const ch of s) {
    if (' "\'`'.includes(ch)) return true;
    if ('()[]{},'.includes(ch)) {
      if (s.length > 1) return true;
    } else if (!isGoPrint(ch)) {
      return true;
    }
  }
  return s === '' || s.includes('//') || s.includes('/*');
}

/** The go.mod the go command synthesizes for a version without one (§4.7): exactly `module <path>\n`. */
export function synthesizedGoMod(path: string): string {
  return `module ${mustQuote(path) ? goQuote(path) : path}\n`;
}
