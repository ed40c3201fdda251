// Checks module-path.ts against vectors from Go 1.19's golang.org/x/mod/module and the digest's §9 examples.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as mp from './module-path.js';
import { xmodVectors } from './testdata/vectors.js';

type Err = string | null;
const undef = (e: Err): string | undefined => e ?? undefined;

describe('path checks', () => {
  const rows = xmodVectors.paths as Array<{
    path: string;
    checkPath: Err;
    checkImportPath: Err;
    checkFilePath: Err;
    split: [string, string, boolean];
  }>;

  test("checkPath, checkImportPath and checkFilePath give Go's verdict and wording for every vector", () => {
    for (const r of rows) {
      assert.equal(mp.checkPath(r.path), undef(r.checkPath), `checkPath(${JSON.stringify(r.path)})`);
      assert.equal(mp.checkImportPath(r.path), undef(r.checkImportPath), `checkImportPath(${JSON.stringify(r.path)})`);
      assert.equal(mp.checkFilePath(r.path), undef(r.checkFilePath), `checkFilePath(${JSON.stringify(r.path)})`);
    }
  });

  test('splitPathVersion splits every vector as Go does', () => {
    for (const r of rows) {
      const [prefix, pathMajor, ok] = r.split;
      assert.deepEqual(mp.splitPathVersion(r.path), { prefix, pathMajor, ok }, r.path);
    }
  });

  test('accepts and rejects the digest examples', () => {
    assert.equal(mp.checkPath('gopkg.in/yaml.v2'), undefined);
    for (const p of ['example.com/foo/v1', 'example.com/foo/v2.0', 'example.com/foo/v02']) {
      assert.equal(mp.checkPath(p), `malformed module path "${p}": invalid version`);
    }
    for (const p of ['Example.com/foo', 'example.com/.foo', 'example.com/foo~1', 'localhost/foo']) {
      assert.notEqual(mp.checkPath(p), undefined, p);
    }
    assert.equal(mp.checkImportPath('example.com/.foo'), undefined);
    assert.equal(mp.checkPath('localhost/x'), 'malformed module path "localhost/x": missing dot in first path element');
  });

  test('rejects Windows device names in every kind of path, whatever their case or extension', () => {
    assert.match(mp.checkFilePath('aux.go') ?? '', /"aux" disallowed as path element component on Windows/);
    assert.match(mp.checkFilePath('dir/Nul.txt') ?? '', /"Nul" disallowed/);
    assert.equal(mp.checkFilePath('auxiliary.go'), undefined);
  });

  test('allows Unicode letters but not marks or emoji in file paths', () => {
    assert.equal(mp.checkFilePath('日本/ñ.go'), undefined);
    assert.equal(mp.checkFilePath('a\u0301.go'), 'malformed file path "a\u0301.go": invalid char \'\u0301\'');
    assert.match(mp.checkFilePath('x\u{1F600}.go') ?? '', /invalid char/);
  });

  test('treats a lone surrogate as invalid UTF-8', () => {
    assert.match(mp.checkFilePath('a\uD800b') ?? '', /invalid UTF-8/);
  });
});

describe('versions against paths', () => {
  test('check(path, version) matches module.Check for every vector', () => {
    for (const r of xmodVectors.check as Array<{ path: string; version: string; err: Err }>) {
      assert.equal(mp.check(r.path, r.version), undef(r.err), `${r.path}@${r.version}`);
    }
  });

  test('checkPathMajor matches module.CheckPathMajor for every version and suffix', () => {
    for (const r of xmodVectors.checkPathMajor as Array<{ v: string; pathMajor: string; err: Err }>) {
      assert.equal(mp.checkPathMajor(r.v, r.pathMajor), undef(r.err), `${r.v} ${r.pathMajor}`);
    }
  });

  test('accepts a v0 pseudo-version for gopkg.in .v1 paths (the historical exception)', () => {
    assert.equal(mp.check('gopkg.in/yaml.v1', 'v0.0.0-20161208181325-20d25e280405'), undefined);
  });

  test('canonicalVersion keeps +incompatible and drops other build metadata', () => {
    for (const r of xmodVectors.semver as Array<{ v: string; moduleCanonical: string }>) {
      assert.equal(mp.canonicalVersion(r.v), r.moduleCanonical, r.v);
    }
    assert.equal(mp.canonicalVersion('v2.0.0+incompatible'), 'v2.0.0+incompatible');
  });

  test('isCanonicalModuleVersion accepts only exact canonical spellings', () => {
    for (const v of ['v1.2.3', 'v1.2.3-pre', 'v2.0.0+incompatible', 'v0.0.0-20191109021931-daa7c04131f5']) {
      assert.equal(mp.isCanonicalModuleVersion(v), true, v);
    }
    for (const v of ['', 'v1', 'v1.2', 'v1.2.3+meta', 'latest', 'master', 'v1.2.3+incompatible.x']) {
      assert.equal(mp.isCanonicalModuleVersion(v), false, v);
    }
  });
});

describe('synthesizedGoMod', () => {
  test('quotes exactly when modfile.AutoQuote would', () => {
    for (const r of xmodVectors.autoQuote as Array<{ s: string; goMod: string }>) {
      assert.equal(mp.synthesizedGoMod(r.s), r.goMod, JSON.stringify(r.s));
    }
  });

  test('is exactly "module <path>\\n" for an ordinary path', () => {
    assert.equal(mp.synthesizedGoMod('github.com/Azure/x'), 'module github.com/Azure/x\n');
  });
});
