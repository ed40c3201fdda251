// The two things direct mode reads from a go.mod: its module path (modfile.ModulePath, used to find the
// module's directory; it scans lines and reads even a go.mod ParseLax fails) and its retract directives (which
// versions may serve as a pseudo-version base; protocol/go-mod-lax.ts reads them).
import { goUnquote } from '../protocol/go-quote.js';
import { goTrimSpace } from '../protocol/go-space.js';
import { parseGoModLax } from '../protocol/go-mod-lax.js';
import type { VersionInterval } from '../protocol/go-mod-lax.js';
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

/** strconv.Unquote of a double- or back-quoted module path; undefined when malformed. */
function unquote(s: string): string | undefined {
  if (s[0] === '`') return s.length >= 2 && s.endsWith('`') && !s.slice(1, -1).includes('`') ? s.slice(1, -1).replaceAll('\r', '') : undefined;
  return goUnquote(s);
}

/**
 * The retracted intervals of a go.mod as coderepo.retractedVersions reads them (modfile.ParseLax): versions as
 * written, a retract it cannot read skipped, and nothing at all when the file fails ParseLax.
 */
export function retractions(goMod: Buffer | string): readonly VersionInterval[] {
  const lax = parseGoModLax(goMod);
  return lax.problem === undefined ? lax.mod.retract : [];
}

/** Whether v lies in one of the intervals, compared as Go's semver.Compare does (an invalid bound sorts below every version). */
export function isRetracted(v: string, intervals: readonly VersionInterval[]): boolean {
  return intervals.some((r) => semver.compare(r.low, v) <= 0 && semver.compare(v, r.high) <= 0);
}
