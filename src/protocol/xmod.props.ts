// Differential properties against the real golang.org/x/mod and path.Match, run by `npm run fuzz -- --go`
// only (they need a Go toolchain and a build): every answer and every error text must be Go's.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { anyString, LONE_SURROGATE, modulePath, show, stringOf } from '../fuzz/arbitraries.js';
import type { GoOracle } from '../fuzz/go-oracle.js';
import { fuzz } from '../fuzz/property.js';
import type { FuzzProperty } from '../fuzz/property.js';
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from './escape.js';
import { escapedish } from './escape.props.js';
import { matchPrefixPatterns, pathMatch } from './glob.js';
import { GLOB_CHARS } from './glob.props.js';
import { check, checkFilePath, checkImportPath, checkPath } from './module-path.js';
import { pathish, versionish } from './paths.props.js';
import { isPseudoVersion, pseudoVersionBase, pseudoVersionRev, pseudoVersionTime } from './pseudo.js';
import * as semver from './semver.js';

/** JSON cannot carry invalid UTF-8 to Go, and no request path decodes to a lone surrogate anyway. */
const wellFormed = (a: fc.Arbitrary<string>) => a.filter((s) => !LONE_SURROGATE.test(s));

/**
 * Error texts with Go's \\uXXXX and \\UXXXXXXXX quoting undone on both sides: Go 1.19 knows Unicode 13, Node a
 * newer Unicode, so they disagree on which new characters %q may print as they are; the texts are otherwise Go's.
 */
function unquoted(text: string | undefined): string | undefined {
  return text?.replace(/\\U([0-9a-f]{8})|\\u([0-9a-f]{4})/g, (m, big?: string, small?: string) => {
    const cp = Number.parseInt(big ?? small ?? '', 16);
    return cp >= 0x80 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
  });
}

/** The value of fn, or its error message, in the oracle's shape. */
function outcome(fn: () => string | undefined): { s?: string; err?: string } {
  try {
    const s = fn();
    return s === undefined ? {} : { s };
  } catch (err) {
    return { err: (err as Error).message };
  }
}

const pseudoish = wellFormed(
  fc.oneof(
    versionish,
    stringOf('v0123456789.-+abc', 40),
    fc.constantFrom('v0.0.0-20191109021931-daa7c04131f5', 'v1.2.3-0.20191109021931-daa7c04131f5+incompatible', 'v1.2.0-0.20191109021931-daa7c04131f5'),
  ),
);

/**
 * Skips a case that holds a character Go and Node classify differently as a letter: Go 1.19 has Unicode 13 and
 * Node a newer Unicode, so a letter added since (U+31350, U+13460) is a valid file-path character only here.
 */
async function sameLetters(go: GoOracle, ...texts: string[]): Promise<void> {
  for (const t of texts) {
    const ours = [...t].filter((c) => /^\p{L}$/u.test(c)).join('');
    fc.pre(ours === (await go.ask('letters', t)).s);
  }
}

/** Properties comparing this code with x/mod through the running oracle. */
export function xmodProperties(go: () => GoOracle): FuzzProperty[] {
  return [
    fuzz("CheckPath, CheckImportPath and CheckFilePath give x/mod's exact answer and error text", 2000, () =>
      fc.asyncProperty(wellFormed(pathish), async (p) => {
        await sameLetters(go(), p);
        for (const [op, ours] of [
          ['checkPath', checkPath],
          ['checkImportPath', checkImportPath],
          ['checkFilePath', checkFilePath],
        ] as const) {
          assert.equal(unquoted(ours(p)), unquoted((await go().ask(op, p)).err), `${op}(${show(p)})`);
        }
      }),
    ),

    fuzz('escaping and unescaping accept and refuse exactly what x/mod does, with the same result', 2000, () =>
      fc.asyncProperty(wellFormed(fc.oneof(escapedish, pathish, versionish)), async (s) => {
        await sameLetters(go(), s);
        for (const [op, ours] of [
          ['escapePath', escapePath],
          ['escapeVersion', escapeVersion],
          ['unescapePath', unescapePath],
          ['unescapeVersion', unescapeVersion],
        ] as const) {
          const [mine, theirs] = [outcome(() => ours(s)), await go().ask(op, s)];
          assert.equal(mine.err === undefined, theirs.err === undefined, `${op}(${show(s)}): ${mine.err ?? mine.s} vs ${theirs.err ?? theirs.s}`);
          assert.equal(mine.s, theirs.s, `${op}(${show(s)})`);
        }
      }),
    ),

    fuzz('semver IsValid, Canonical and Compare agree with x/mod/semver', 2000, () =>
      fc.asyncProperty(wellFormed(versionish), wellFormed(versionish), async (a, b) => {
        assert.equal(semver.isValid(a), (await go().ask('semverIsValid', a)).b, `IsValid(${show(a)})`);
        assert.equal(semver.canonical(a), (await go().ask('semverCanonical', a)).s, `Canonical(${show(a)})`);
        assert.equal(String(semver.compare(a, b)), (await go().ask('semverCompare', a, b)).s, `Compare(${show(a)}, ${show(b)})`);
      }),
    ),

    fuzz("module.Check gives x/mod's answer and error text for paths and versions near the rules", 2000, () =>
      fc.asyncProperty(wellFormed(fc.oneof(modulePath, pathish)), wellFormed(versionish), async (p, v) => {
        await sameLetters(go(), p, v);
        assert.equal(unquoted(check(p, v)), unquoted((await go().ask('check', p, v)).err), `Check(${show(p)}, ${show(v)})`);
      }),
    ),

    fuzz('pseudo-versions are recognised and taken apart as x/mod does', 2000, () =>
      fc.asyncProperty(pseudoish, async (v) => {
        assert.equal(isPseudoVersion(v), (await go().ask('isPseudoVersion', v)).b, `IsPseudoVersion(${show(v)})`);
        const time = (s: string) => pseudoVersionTime(s).toISOString().replace('.000Z', 'Z');
        for (const [op, ours] of [
          ['pseudoVersionBase', pseudoVersionBase],
          ['pseudoVersionRev', pseudoVersionRev],
          ['pseudoVersionTime', time],
        ] as const) {
          const [mine, theirs] = [outcome(() => ours(v)), await go().ask(op, v)];
          assert.deepEqual([mine.s, unquoted(mine.err)], [theirs.s, unquoted(theirs.err)], `${op}(${show(v)})`);
        }
      }),
    ),

    fuzz('path.Match matches, misses and reports bad patterns exactly as Go does, Unicode included', 3000, () =>
      fc.asyncProperty(
        wellFormed(fc.oneof(stringOf(GLOB_CHARS, 12), anyString)),
        wellFormed(fc.oneof(stringOf('ab/.-é€', 10), anyString)),
        async (pattern, name) => {
          const theirs = await go().ask('pathMatch', pattern, name);
          const mine = outcome(() => String(pathMatch(pattern, name)));
          if (theirs.err !== undefined) assert.equal(mine.err, 'syntax error in pattern', `Match(${show(pattern)}, ${show(name)})`);
          else assert.deepEqual(mine, { s: String(theirs.b) }, `Match(${show(pattern)}, ${show(name)})`);
        },
      ),
    ),

    fuzz('MatchPrefixPatterns (GOPRIVATE and friends) agrees with x/mod on any glob list and target', 3000, () =>
      fc.asyncProperty(
        wellFormed(
          fc.array(fc.oneof(stringOf(GLOB_CHARS, 10), modulePath, fc.constantFrom('', '*', '*.corp', 'a/*', '[')), { maxLength: 4 }).map((es) => es.join(',')),
        ),
        wellFormed(fc.oneof(stringOf('ab/.-é', 12), modulePath)),
        async (globs, target) => {
          assert.equal(
            matchPrefixPatterns(globs, target),
            (await go().ask('matchPrefixPatterns', globs, target)).b,
            `MatchPrefixPatterns(${show(globs)}, ${show(target)})`,
          );
        },
      ),
    ),
  ];
}
