// Fuzz properties for path.Match and GOPRIVATE-style glob lists (glob.ts, go-module-protocols.md §2.5):
// never a crash, agreement with a regular-expression model, and the "path and everything under it" rule.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { anyString, hostName, modulePath, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { matchPrefixPatterns, pathMatch } from './glob.js';

export const GLOB_CHARS = [...'ab/.-*?[]^\\,', 'é', '€'];
const escapeRe = (c: string) => c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
/** Writes c so that path.Match reads it literally. */
const escapeGlob = (s: string) => s.replace(/[*?[\]\\-]/g, '\\$&');

/** A pattern piece, its regular-expression meaning, and text it may well match. */
type Token = { glob: string; re: string; text: fc.Arbitrary<string> };

/** Character classes that cannot match "/": Go's matcher never backtracks into a "/" a class consumed. */
const classToken: fc.Arbitrary<Token> = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.oneof(fc.constantFrom(...'abc.-'), fc.tuple(fc.constantFrom(...'abc'), fc.constantFrom(...'abc'))), { minLength: 1, maxLength: 3 }),
  )
  .map(([negated, items]) => {
    let glob = negated ? '[^' : '[';
    let re = negated ? '[^/' : '[';
    for (const item of items) {
      if (typeof item === 'string') {
        glob += escapeGlob(item);
        re += escapeRe(item);
      } else {
        const [lo, hi] = item[0] <= item[1] ? item : [item[1], item[0]];
        glob += `${lo}-${hi}`;
        re += `${lo}-${hi}`;
      }
    }
    // A negated class must not match "/" either, so "/" is one of its items.
    if (negated) glob += '/';
    return { glob: `${glob}]`, re: `${re}]`, text: fc.constantFrom(...'abc.-/') };
  });

const token: fc.Arbitrary<Token> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'ab/.-*?[]\\').map((c) => ({ glob: escapeGlob(c), re: escapeRe(c), text: fc.constant(c) })) },
  { weight: 2, arbitrary: fc.constant({ glob: '*', re: '[^/]*', text: stringOf('ab.-/', 3) }) },
  { weight: 1, arbitrary: fc.constant({ glob: '?', re: '[^/]', text: fc.constantFrom(...'ab.-/') }) },
  { weight: 1, arbitrary: classToken },
);

/** Well-formed ASCII patterns with their regular-expression meaning, and a name that often matches. */
const globAndName = fc.array(token, { maxLength: 7 }).chain((ts) =>
  fc.record({
    glob: fc.constant(ts.map((t) => t.glob).join('')),
    re: fc.constant(new RegExp(`^${ts.map((t) => t.re).join('')}$`)),
    name: fc.oneof(
      fc.tuple(...ts.map((t) => t.text)).map((parts) => parts.join('')),
      stringOf('ab/.-c', 10),
    ),
  }),
);

export const globProperties = [
  fuzz('pathMatch answers true or false, or throws only "syntax error in pattern", for any pattern and name', 1500, () =>
    fc.property(fc.oneof(stringOf(GLOB_CHARS, 12), anyString), fc.oneof(stringOf('ab/.-é€', 10), anyString), (pattern, name) => {
      try {
        assert.equal(typeof pathMatch(pattern, name), 'boolean');
      } catch (err) {
        assert.ok(err instanceof Error && err.message === 'syntax error in pattern', String(err));
      }
    }),
  ),

  fuzz('pathMatch agrees with a regular expression for well-formed patterns ("*" and "?" never match "/")', 1000, () =>
    fc.property(globAndName, ({ glob, re, name }) => {
      assert.equal(pathMatch(glob, name), re.test(name), `Match(${JSON.stringify(glob)}, ${JSON.stringify(name)}) vs ${re}`);
    }),
  ),

  fuzz('a fully escaped pattern matches its own text and nothing longer', 500, () =>
    fc.property(anyString, (s) => {
      assert.ok(pathMatch(escapeGlob(s), s), s);
      assert.ok(!pathMatch(escapeGlob(s), `${s}x`), s);
    }),
  ),

  fuzz('matchPrefixPatterns never throws, and a list matches exactly when one of its non-empty entries does', 1500, () =>
    fc.property(
      fc.array(fc.oneof(stringOf(GLOB_CHARS, 10), modulePath, fc.constantFrom('', '*', '*.corp', 'a/*', '[')), { maxLength: 4 }),
      fc.oneof(stringOf('ab/.-é', 12), modulePath),
      (entries, target) => {
        const whole = matchPrefixPatterns(entries.join(','), target);
        const any = entries.flatMap((e) => e.split(',')).some((e) => matchPrefixPatterns(e, target));
        assert.equal(whole, any);
        // Empty entries and one trailing slash per entry change nothing.
        assert.equal(matchPrefixPatterns(`,${entries.map((e) => (e.endsWith('/') ? e : `${e}/`)).join(',,')},`, target), whole);
      },
    ),
  ),

  fuzz('a literal glob matches exactly its own path and the paths under it (§2.5)', 1000, () =>
    fc.property(
      modulePath,
      fc.oneof(modulePath, stringOf('ab/.-', 6)),
      fc.constantFrom('', '/', 'x', '/x', '/x/y', '.', '-'),
      fc.boolean(),
      (glob, other, tail, related) => {
        const target = (related ? glob : other) + tail;
        assert.equal(matchPrefixPatterns(glob, target), target === glob || target.startsWith(`${glob}/`), `${glob} vs ${target}`);
      },
    ),
  ),

  fuzz('whatever a glob list matches, it matches everything under it too', 1000, () =>
    fc.property(
      fc.oneof(
        stringOf(GLOB_CHARS, 10),
        hostName.map((h) => `*.${h}`),
        modulePath,
      ),
      fc.oneof(modulePath, stringOf('ab/.-', 10)),
      stringOf('ab/.-', 6),
      (globs, target, deeper) => {
        if (matchPrefixPatterns(globs, target))
          assert.ok(matchPrefixPatterns(globs, `${target}/${deeper}`), `${globs} matches ${target} but not ${target}/${deeper}`);
      },
    ),
  ),

  fuzz('"*" matches exactly the names without "/"', 500, () =>
    fc.property(fc.oneof(stringOf('ab/.-é', 10), anyString), (name) => {
      assert.equal(pathMatch('*', name), !name.includes('/'));
    }),
  ),
];
