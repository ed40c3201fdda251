// What a module's go.mod tells its users beyond requirements: a deprecation notice (a "Deprecated:"
// paragraph in the module line's comments, as modfile reads it) and retracted versions (vcs/go-mod-file.ts).
import * as semver from '../protocol/semver.js';
import { isRetracted, retractions } from '../vcs/go-mod-file.js';

/** The text after "Deprecated:" in the comments right above or after the `module` line; undefined when not deprecated. */
export function deprecation(goMod: string): string | undefined {
  const lines = goMod.split(/\r?\n/);
  const at = lines.findIndex((l) => /^\s*module[\s"`]/.test(l));
  if (at < 0) return undefined;
  const comments: string[] = [];
  for (let i = at - 1; i >= 0 && /^\s*\/\//.test(lines[i] as string); i--) comments.unshift(lines[i] as string);
  const suffix = /\/\/.*$/.exec(lines[at] as string);
  if (suffix !== null) comments.push(suffix[0]);
  const text = comments.map((c) => c.trim().replace(/^\/\/ ?/, '')).join('\n');
  // modfile: a paragraph that starts with "Deprecated:"; the message is the rest of that paragraph.
  for (const para of text.split(/\n\s*\n/)) {
    const m = /^Deprecated:\s*([\s\S]*)$/.exec(para.trim());
    if (m !== null) return (m[1] as string).replace(/\s+/g, ' ').trim();
  }
  return undefined;
}

/** Which versions a go.mod retracts; a malformed retract directive retracts nothing, as for the go command. */
export function retractedBy(goMod: string): (version: string) => boolean {
  const intervals = retractions(goMod) ?? [];
  return (v) => isRetracted(v, intervals);
}

/**
 * The version whose go.mod speaks for the module, as the go command picks it for retractions and
 * deprecation: the highest release, else the highest pre-release, else the highest pseudo-version.
 */
export function latestOf(versions: readonly string[]): string | undefined {
  const sorted = semver.sortVersions(versions).reverse();
  const pseudo = (v: string) => /\d{14}-[0-9a-f]{12}$/.test(semver.prerelease(v));
  return sorted.find((v) => semver.prerelease(v) === '') ?? sorted.find((v) => !pseudo(v)) ?? sorted[0];
}
