// Fuzz properties for versions and module paths (semver.ts, module-path.ts, pseudo.ts) against the rules
// of go-module-protocols.md §2.1–2.4 and §3.1, written here as small independent models.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { anyString, canonicalVersion, formatSemver, LONE_SURROGATE, modulePath, mutated, semverParts, stringOf, TRICKY_CHARS } from '../fuzz/arbitraries.js';
import type { SemverParts } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { check, checkFilePath, checkImportPath, checkPath, splitPathVersion } from './module-path.js';
import { isPseudoVersion, pseudoVersion, pseudoVersionBase, pseudoVersionRev, pseudoVersionTime } from './pseudo.js';
import * as semver from './semver.js';

// §2.1 as one regular expression: numbers without leading zeros, shorthands only without pre/build.
const NUM = '(0|[1-9][0-9]*)';
const PRE_ID = '(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)';
const BUILD_ID = '[0-9A-Za-z-]+';
const SEMVER = new RegExp(`^v${NUM}(?:\\.${NUM}(?:\\.${NUM}(?:-${PRE_ID}(?:\\.${PRE_ID})*)?(?:\\+${BUILD_ID}(?:\\.${BUILD_ID})*)?)?)?$`);

/** Version-shaped strings: mostly near the grammar, sometimes anything. */
export const versionish = fc.oneof(
  stringOf('v0123456789.-+aAzZ', 16),
  semverParts.map(formatSemver),
  mutated(semverParts.map(formatSemver), 'v0123456789.-+aZ'),
  anyString,
);

/** SemVer 2.0 precedence computed from the parts with BigInt (§2.1: build ignored). */
function modelCompare(a: SemverParts, b: SemverParts): number {
  const num = (x: string, y: string) => (BigInt(x) < BigInt(y) ? -1 : BigInt(x) > BigInt(y) ? 1 : 0);
  const c = num(a.major, b.major) || num(a.minor, b.minor) || num(a.patch, b.patch);
  if (c !== 0) return c;
  if (a.pre.length === 0 || b.pre.length === 0) return a.pre.length === b.pre.length ? 0 : a.pre.length === 0 ? 1 : -1;
  for (let i = 0; i < Math.min(a.pre.length, b.pre.length); i++) {
    const [x, y] = [a.pre[i] as string, b.pre[i] as string];
    const [nx, ny] = [/^[0-9]+$/.test(x), /^[0-9]+$/.test(y)];
    if (nx && ny && x !== y) return num(x, y);
    if (nx !== ny) return nx ? -1 : 1;
    if (x !== y) return x < y ? -1 : 1;
  }
  return Math.sign(a.pre.length - b.pre.length);
}

const BAD_WINDOWS = /^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])$/i;

/** CheckPath as §2.2–2.3 state it, element by element. */
function modelCheckPath(p: string): boolean {
  if (p === '' || p.startsWith('-') || LONE_SURROGATE.test(p)) return false;
  const elems = p.split('/');
  for (const e of elems) {
    if (!/^[A-Za-z0-9._~-]+$/.test(e) || e.startsWith('.') || e.endsWith('.')) return false;
    const short = e.split('.')[0] as string;
    if (BAD_WINDOWS.test(short) || /~[0-9]+$/.test(short)) return false;
  }
  const first = elems[0] as string;
  if (!/^[a-z0-9.-]+$/.test(first) || !first.includes('.')) return false;
  // Go accepts ".v-unstable" (no digits) but refuses ".v0-unstable": its checks look at pathMajor[2] only.
  if (p.startsWith('gopkg.in/')) return /\.v(0|[1-9][0-9]*(-unstable)?|-unstable)$/.test(p);
  const last = elems[elems.length - 1] as string;
  return elems.length === 1 || !/^v[0-9.]+$/.test(last) || /^v([2-9]|[1-9][0-9]+)$/.test(last);
}

/** Module-path-shaped strings: elements from a tricky alphabet, some of them valid. */
export const pathish = fc.oneof(
  fc
    .array(
      fc.oneof(
        stringOf('az09.-_~', 6),
        stringOf(TRICKY_CHARS, 6),
        fc.constantFrom('v1', 'v2', 'v02', 'v2.0', 'aux', 'Nul.go', 'a~1', 'gopkg.in', 'x.v1', 'x.v01'),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((es) => es.join('/')),
  modulePath,
  mutated(modulePath, TRICKY_CHARS),
  anyString,
);

/** Go's pseudo-version time: whole seconds, years 0000–9999 (14 digits). */
const pseudoTime = fc
  .date({ min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));

export const pathProperties = [
  fuzz('semver.isValid agrees with the §2.1 grammar on any string', 1000, () =>
    fc.property(versionish, (v) => {
      assert.equal(semver.isValid(v), SEMVER.test(v));
    }),
  ),

  fuzz('semver.canonical is idempotent, valid and of equal precedence, and empty exactly for invalid versions', 600, () =>
    fc.property(versionish, (v) => {
      const c = semver.canonical(v);
      if (!semver.isValid(v)) return assert.equal(c, '');
      assert.ok(semver.isValid(c), c);
      assert.equal(semver.canonical(c), c);
      assert.equal(semver.build(c), '');
      assert.equal(semver.compare(v, c), 0);
      assert.equal(semver.major(c), semver.major(v));
    }),
  ),

  fuzz('semver.compare matches SemVer precedence computed with BigInt, and is antisymmetric', 600, () =>
    fc.property(semverParts, semverParts, (a, b) => {
      const [va, vb] = [formatSemver(a), formatSemver(b)];
      assert.equal(semver.compare(va, vb), modelCompare(a, b), `${va} vs ${vb}`);
      assert.equal(semver.compare(vb, va) + semver.compare(va, vb), 0, 'antisymmetric');
    }),
  ),

  fuzz('sortVersions returns a permutation in which every neighbour pair is in order, invalid versions first', 300, () =>
    fc.property(fc.array(versionish, { maxLength: 12 }), (list) => {
      const sorted = semver.sortVersions(list);
      assert.deepEqual([...sorted].sort(), [...list].sort());
      for (let i = 1; i < sorted.length; i++) {
        const [a, b] = [sorted[i - 1] as string, sorted[i] as string];
        assert.ok(semver.compare(a, b) < 0 || (semver.compare(a, b) === 0 && semver.compareUtf8(a, b) <= 0), `${a} before ${b}`);
      }
    }),
  ),

  fuzz('checkPath agrees with the element rules of §2.2–2.3 and never throws', 1500, () =>
    fc.property(pathish, (p) => {
      const err = checkPath(p);
      assert.equal(err === undefined, modelCheckPath(p), `${JSON.stringify(p)}: ${err}`);
      if (err !== undefined) assert.match(err, /^malformed module path /);
    }),
  ),

  fuzz('every module path is an import path, and every import path a file path', 800, () =>
    fc.property(pathish, (p) => {
      if (checkPath(p) === undefined) assert.equal(checkImportPath(p), undefined, p);
      if (checkImportPath(p) === undefined) assert.equal(checkFilePath(p), undefined, p);
    }),
  ),

  fuzz('splitPathVersion splits a valid path into a prefix and a major suffix that rejoin to the path', 500, () =>
    fc.property(modulePath, (p) => {
      const { prefix, pathMajor, ok } = splitPathVersion(p);
      assert.ok(ok);
      assert.equal(prefix + pathMajor, p);
      assert.match(pathMajor, /^(|\/v([2-9]|[1-9][0-9]+)|\.v(0|[1-9][0-9]*)(-unstable)?)$/);
    }),
  ),

  fuzz('module.Check accepts a canonical version exactly when its major fits the path suffix (§2.4)', 800, () =>
    fc.property(modulePath, canonicalVersion, (p, v) => {
      const { pathMajor } = splitPathVersion(p);
      const major = semver.major(v);
      const suffixMajor = pathMajor.replace(/^[/.]/, '').replace(/-unstable$/, '');
      const fits =
        pathMajor === ''
          ? major === 'v0' || major === 'v1' || v.endsWith('+incompatible')
          : major === suffixMajor || (suffixMajor === 'v1' && pathMajor.startsWith('.') && v.startsWith('v0.0.0-'));
      assert.equal(check(p, v) === undefined, fits, `${p}@${v}: ${check(p, v)}`);
    }),
  ),

  fuzz('a pseudo-version gives back its time, revision and base tag (§3.1)', 600, () =>
    fc.property(
      fc.constantFrom('', 'v0', 'v2', 'v17'),
      fc.oneof(fc.constant(''), canonicalVersion, semverParts.map(formatSemver)),
      pseudoTime,
      fc.oneof(fc.stringMatching(/^[0-9a-f]{12}$/), fc.stringMatching(/^[A-Za-z0-9]{1,12}$/)),
      (major, older, t, rev) => {
        const v = pseudoVersion(major, older, t, rev);
        assert.ok(isPseudoVersion(v), v);
        assert.equal(pseudoVersionRev(v), rev);
        assert.equal(pseudoVersionTime(v).getTime(), t.getTime());
        // The base keeps the tag's build metadata (+incompatible, or any other).
        assert.equal(pseudoVersionBase(v), older === '' ? '' : semver.canonical(older) + semver.build(older), v);
        if (older === '') assert.ok(v.startsWith(`${major || 'v0'}.0.0-`));
        else assert.ok(semver.compare(v, older) > 0, `${v} sorts after ${older}`);
      },
    ),
  ),

  fuzz('pseudo-version parsers throw only Go\'s "pseudo-version … invalid" Error on any string', 800, () =>
    fc.property(fc.oneof(versionish, stringOf('v0123456789.-+abc', 40)), (v) => {
      for (const f of [pseudoVersionBase, pseudoVersionRev, pseudoVersionTime]) {
        try {
          f(v);
          assert.ok(isPseudoVersion(v), `${f.name} accepted ${v}`);
        } catch (err) {
          assert.ok(err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError), String(err));
          assert.match(err.message, /^pseudo-version ".*" invalid: /s);
        }
      }
      if (isPseudoVersion(v)) {
        assert.ok(semver.isValid(v) && semver.prerelease(v) !== '', v);
        pseudoVersionRev(v);
      }
    }),
  ),
];
