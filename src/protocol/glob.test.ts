// Checks glob.ts against Go 1.19's path.Match and module.MatchPrefixPatterns (vectors from the real code).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPrefixPatterns, pathMatch } from './glob.js';
import { xmodVectors } from './testdata/vectors.js';

describe('pathMatch', () => {
  test('matches or reports a bad pattern exactly as path.Match does for every vector', () => {
    for (const r of xmodVectors.pathMatch as Array<{ pattern: string; name: string; match: boolean; bad: boolean }>) {
      const label = `Match(${JSON.stringify(r.pattern)}, ${JSON.stringify(r.name)})`;
      if (r.bad) assert.throws(() => pathMatch(r.pattern, r.name), /syntax error in pattern/, label);
      else assert.equal(pathMatch(r.pattern, r.name), r.match, label);
    }
  });

  test('lets "?" consume single bytes of a rune after a star skip, like Go', () => {
    assert.equal(pathMatch('*??', '€'), true);
    assert.equal(pathMatch('??', '€'), false);
  });
});

describe('matchPrefixPatterns', () => {
  test('matches every GOPRIVATE-style vector as module.MatchPrefixPatterns does', () => {
    for (const r of xmodVectors.globs as Array<{ globs: string; target: string; match: boolean }>) {
      assert.equal(matchPrefixPatterns(r.globs, r.target), r.match, `${JSON.stringify(r.globs)} vs ${r.target}`);
    }
  });

  test('matches a path and everything under it, with "*" never crossing "/"', () => {
    assert.equal(matchPrefixPatterns('*.corp.example.com', 'git.corp.example.com/a/b'), true);
    assert.equal(matchPrefixPatterns('rsc.io/private', 'rsc.io/private/quux'), true);
    assert.equal(matchPrefixPatterns('rsc.io/private', 'rsc.io/privatex'), false);
    assert.equal(matchPrefixPatterns('*', 'a/b/c'), true);
    assert.equal(matchPrefixPatterns('a/*', 'a'), false);
  });

  test('ignores empty entries and trailing slashes, and never matches with a malformed glob', () => {
    assert.equal(matchPrefixPatterns(',,rsc.io/,', 'rsc.io/x'), true);
    assert.equal(matchPrefixPatterns('rsc.io/[', 'rsc.io/['), false);
    assert.equal(matchPrefixPatterns('rsc.io/[,rsc.io', 'rsc.io/x'), true);
    assert.equal(matchPrefixPatterns('', 'rsc.io'), false);
  });
});
