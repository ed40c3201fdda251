// The two things direct mode reads from a go.mod: its module path (modfile.ModulePath, used to find the
// module's directory) and its retract directives (which versions may serve as a pseudo-version base).
import { goTrimSpace } from '../protocol/go-space.js';
import * as semver from '../protocol/semver.js';

/** modfile.ModulePath: the path on the first `module` line, unquoted; '' when missing or malformed (trimmed as Go trims). */
export function modulePathOf(goMod: Buffer | string): string {
  const text = typeof goMod === 'string' ? goMod : goMod.toString('utf8');
  for (const raw of text.split('\n')) {
    const cut = raw.indexOf('//');
    const line = goTrimSpace(cut >= 0 ? raw.slice(0, cut) : raw);
    if (!line.startsWith('module')) continue;
    const rest = line.slice('module'.length);
    const arg = goTrimSpace(rest);
    if (arg.length === rest.length || arg === '') continue; // "modulex" or a bare "module"
    if (arg.startsWith('"') || arg.startsWith('`')) return unquote(arg) ?? '';
    return arg;
  }
  return '';
}

/** strconv.Unquote for the simple cases a module path can take; undefined when malformed. */
function unquote(s: string): string | undefined {
  if (s.length < 2 || s[s.length - 1] !== s[0]) return undefined;
  if (s[0] === '`') return s.slice(1, -1).includes('`') ? undefined : s.slice(1, -1);
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export interface VersionInterval {
  readonly low: string;
  readonly high: string;
}

/** Splits a line into go.mod tokens: words, quoted strings and the punctuation `( ) [ ] ,`; stops at `//`. */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /\s*(\/\/|"(?:[^"\\]|\\.)*"|`[^`]*`|[()[\],]|(?:(?!\/\/)[^\s"`()[\],])+)/y;
  for (let m = re.exec(line); m?.[1] !== undefined && m[1] !== '//'; m = re.exec(line)) out.push(m[1]);
  return out;
}

/** One retract argument list: `v1.2.3` or `[v1.0.0, v1.1.0]`, canonical versions only (as ParseLax demands). */
function interval(toks: string[]): VersionInterval | undefined {
  const canon = (v: string | undefined) => (v !== undefined && semver.isValid(v) && semver.canonical(v) === v ? v : undefined);
  if (toks.length === 1) {
    const v = canon(toks[0]);
    return v === undefined ? undefined : { low: v, high: v };
  }
  if (toks.length !== 5 || toks[0] !== '[' || toks[2] !== ',' || toks[4] !== ']') return undefined;
  const low = canon(toks[1]);
  const high = canon(toks[3]);
  return low === undefined || high === undefined ? undefined : { low, high };
}

/**
 * The retracted intervals of a go.mod, or undefined when a retract directive is malformed (ParseLax then
 * fails and the go command treats nothing as retracted). Rationale comments are ignored.
 */
export function retractions(goMod: Buffer | string): VersionInterval[] | undefined {
  const text = typeof goMod === 'string' ? goMod : goMod.toString('utf8');
  const out: VersionInterval[] = [];
  let block: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const toks = tokens(line);
    if (toks.length === 0) continue;
    if (block !== undefined) {
      if (toks[0] === ')') block = undefined;
      else if (block === 'retract') {
        const iv = interval(toks);
        if (iv === undefined) return undefined;
        out.push(iv);
      }
      continue;
    }
    if (toks[toks.length - 1] === '(' && toks.length === 2) {
      block = toks[0];
      continue;
    }
    if (toks[0] !== 'retract') continue;
    const iv = interval(toks.slice(1));
    if (iv === undefined) return undefined;
    out.push(iv);
  }
  return out;
}

/** Whether v lies in one of the intervals. */
export function isRetracted(v: string, intervals: readonly VersionInterval[]): boolean {
  return intervals.some((r) => semver.compare(r.low, v) <= 0 && semver.compare(v, r.high) <= 0);
}
