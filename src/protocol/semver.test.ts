// Checks semver.ts against vectors from Go's golang.org/x/mod/semver and the digest's §2.1 rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as semver from './semver.js';
import { xmodVectors } from './testdata/vectors.js';

interface SemverRow {
  v: string;
  isValid: boolean;
  canonical: string;
  major: string;
  majorMinor: string;
  prerelease: string;
  build: string;
}
const rows = xmodVectors.semver as SemverRow[];
const versions = rows.map((r) => r.v);

describe('semver', () => {
  test('parses every version exactly as Go does (valid, canonical, major, majorMinor, prerelease, build)', () => {
    for (const r of rows) {
      const got = {
        v: r.v,
        isValid: semver.isValid(r.v),
        canonical: semver.canonical(r.v),
        major: semver.major(r.v),
        majorMinor: semver.majorMinor(r.v),
        prerelease: semver.prerelease(r.v),
        build: semver.build(r.v),
      };
      const { moduleCanonical: _ignored, ...want } = r as SemverRow & { moduleCanonical: string };
      assert.deepEqual(got, want);
    }
  });

  test('compares every pair of versions as Go does', () => {
    const cmp = xmodVectors.compare as number[][];
    versions.forEach((a, i) =>
      versions.forEach((b, j) => {
        assert.equal(semver.compare(a, b), cmp[i]![j], `compare(${a}, ${b})`);
      }),
    );
  });

  test('max returns the canonical larger version of every pair as Go does', () => {
    const mx = xmodVectors.max as string[][];
    versions.forEach((a, i) =>
      versions.forEach((b, j) => {
        assert.equal(semver.max(a, b), mx[i]![j], `max(${a}, ${b})`);
      }),
    );
  });

  test('sortVersions orders like semver.Sort, breaking ties by string, and leaves its input alone', () => {
    const input = [...versions].reverse();
    const copy = [...input];
    assert.deepEqual(semver.sortVersions(input), xmodVectors.sorted);
    assert.deepEqual(input, copy);
  });

  test('follows SemVer precedence for the spec example chain', () => {
    const chain = ['v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-alpha.beta', 'v1.0.0-beta', 'v1.0.0-beta.2', 'v1.0.0-beta.11', 'v1.0.0-rc.1', 'v1.0.0'];
    for (let i = 1; i < chain.length; i++) assert.equal(semver.compare(chain[i - 1]!, chain[i]!), -1);
  });

  test('ignores build metadata in comparison and treats shorthand as its canonical form', () => {
    assert.equal(semver.compare('v1.2.3+a', 'v1.2.3+b'), 0);
    assert.equal(semver.compare('v1.2', 'v1.2.0'), 0);
    assert.equal(semver.canonical('v1.2.3+meta'), 'v1.2.3');
    assert.equal(semver.canonical('v1.2'), 'v1.2.0');
  });

  test('breaks ties between equal versions by byte order, not UTF-16 order', () => {
    // Both invalid, so they compare equal; Go then orders by bytes: U+FF5E (EF BD 9E) < U+1F600 (F0 9F 98 80).
    assert.deepEqual(semver.sortVersions(['x\u{1F600}', 'x\uFF5E']), ['x\uFF5E', 'x\u{1F600}']);
  });
});
