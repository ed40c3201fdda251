// Checks the case-fold keys and collision checker against values printed by Go 1.19's strToFold/collisionChecker.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CollisionChecker, strToFold } from './case-fold.js';
import { baseName, cleanPath, isGoModName } from './path-clean.js';

describe('strToFold', () => {
  test('folds to the smallest member of each Unicode simple-fold orbit, then ASCII to lower case', () => {
    // Pairs (rune, Go's fold) from running Go 1.19's strToFold over every rune.
    const vectors: Array<[string, string]> = [
      ['\u212a', 'k'],
      ['K', 'k'],
      ['\u017f', 's'],
      ['\u03c2', '\u03a3'],
      ['\u03c3', '\u03a3'],
      ['\u03bc', '\u00b5'],
      ['\u039c', '\u00b5'],
      ['\u1e9e', '\u00df'],
      ['\u1fbe', '\u0345'],
      ['\u0130', '\u0130'],
      ['\u0131', '\u0131'],
      ['\u01c6', '\u01c4'],
      ['\u0436', '\u0416'],
      ['\u{10428}', '\u{10400}'],
      ['\u1f80', '\u1f80'],
      ['\u1f88', '\u1f80'],
    ];
    for (const [r, want] of vectors) assert.equal(strToFold(r), want, `U+${r.codePointAt(0)!.toString(16)}`);
  });

  test('leaves lower-case ASCII untouched and lower-cases ASCII capitals', () => {
    assert.equal(strToFold('a/b_c.go'), 'a/b_c.go');
    assert.equal(strToFold('A/B.Go'), 'a/b.go');
  });
});

describe('CollisionChecker', () => {
  test('reports case clashes, file-directory clashes and duplicate files, but not repeated directories', () => {
    const c = new CollisionChecker();
    assert.equal(c.check('dir/a.go', false), undefined);
    assert.equal(c.check('dir/b.go', false), undefined);
    assert.equal(c.check('dir', true), undefined);
    assert.equal(c.check('DIR/c.go', false), 'case-insensitive file name collision: "dir" and "DIR"');
    assert.equal(c.check('dir/a.go', false), 'multiple entries for file "dir/a.go"');
    assert.equal(c.check('dir', false), 'entry "dir" is both a file and a directory');
  });
});

describe('path helpers', () => {
  test("cleanPath behaves like Go's path.Clean", () => {
    const vectors: Array<[string, string]> = [
      ['', '.'],
      ['a/./b', 'a/b'],
      ['a//b', 'a/b'],
      ['a/b/', 'a/b'],
      ['a/../b', 'b'],
      ['../a', '../a'],
      ['/../a', '/a'],
      ['/', '/'],
      ['./', '.'],
      ['a/..', '.'],
      ['..', '..'],
      ['a/../../b', '../b'],
    ];
    for (const [p, want] of vectors) assert.equal(cleanPath(p), want, p);
  });

  test('baseName and isGoModName', () => {
    assert.equal(baseName('a/b/c.go'), 'c.go');
    assert.equal(baseName('c.go'), 'c.go');
    assert.equal(isGoModName('GO.Mod'), true);
    assert.equal(isGoModName('go.mod2'), false);
  });
});
