// Checks the "!" case-encoding against Go 1.19's module.EscapePath/UnescapePath vectors and the digest's §1.2 rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isGmpError } from '../errors.js';
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from './escape.js';
import { xmodVectors } from './testdata/vectors.js';

type Err = string | null;

/** Asserts fn throws a 400 GmpError whose message names the input and, when Go gave a detail, includes it. */
function assertRejected(fn: () => unknown, goErr: string, label: string): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(isGmpError(err, 'GMP_ERR_REQUEST_INVALID'), `${label}: wrong error ${String(err)}`);
      assert.equal(err.status, 400);
      const detail = /: (malformed .*|invalid char .*|".*" disallowed.*|empty path element|invalid path element .*)$/.exec(goErr);
      if (detail?.[1] !== undefined) assert.ok(err.message.includes(detail[1]), `${label}: ${err.message} lacks ${detail[1]}`);
      assert.match(err.message, /^[A-Z].*\.$/, 'reads as a sentence');
      return true;
    },
    label,
  );
}

describe('escapePath / escapeVersion', () => {
  test('encode the digest examples', () => {
    assert.equal(escapePath('github.com/Azure/azure-sdk-for-go'), 'github.com/!azure/azure-sdk-for-go');
    assert.equal(escapePath('github.com/BurntSushi/toml'), 'github.com/!burnt!sushi/toml');
    assert.equal(escapeVersion('v1.0.0-RC1'), 'v1.0.0-!r!c1');
  });

  test('escapePath matches module.EscapePath for every path vector', () => {
    for (const r of xmodVectors.paths as Array<{ path: string; escapePath: string; escapePathErr: Err }>) {
      if (r.escapePathErr === null) assert.equal(escapePath(r.path), r.escapePath, r.path);
      else assertRejected(() => escapePath(r.path), r.escapePathErr, r.path);
    }
  });

  test('escapeVersion matches module.EscapeVersion, refusing "/", "!" and non-ASCII', () => {
    for (const r of xmodVectors.escapeVersion as Array<{ v: string; escaped: string; err: Err }>) {
      if (r.err === null) assert.equal(escapeVersion(r.v), r.escaped, r.v);
      else assertRejected(() => escapeVersion(r.v), r.err, r.v);
    }
  });
});

describe('unescapePath / unescapeVersion', () => {
  const rows = xmodVectors.unescape as Array<{ escaped: string; path: string; pathErr: Err; version: string; versionErr: Err }>;

  test('unescapePath matches module.UnescapePath for every vector, including the checkPath of the result', () => {
    for (const r of rows) {
      if (r.pathErr === null) assert.equal(unescapePath(r.escaped), r.path, r.escaped);
      else assertRejected(() => unescapePath(r.escaped), r.pathErr, r.escaped);
    }
  });

  test('unescapeVersion matches module.UnescapeVersion for every vector', () => {
    for (const r of rows) {
      if (r.versionErr === null) assert.equal(unescapeVersion(r.escaped), r.version, r.escaped);
      else assertRejected(() => unescapeVersion(r.escaped), r.versionErr, r.escaped);
    }
  });

  test('explains why an escaped string is malformed', () => {
    assert.throws(() => unescapePath('github.com/Azure/x'), /upper-case letter/);
    assert.throws(() => unescapePath('github.com/x!'), /ends with "!"/);
    assert.throws(() => unescapePath('github.com/!1'), /followed by a lower-case letter/);
    assert.throws(() => unescapeVersion('v1.0.0-é'), /non-ASCII/);
  });

  test('round-trips every valid path and version', () => {
    for (const r of xmodVectors.paths as Array<{ path: string; escapePathErr: Err }>) {
      if (r.escapePathErr === null) assert.equal(unescapePath(escapePath(r.path)), r.path);
    }
    for (const r of xmodVectors.escapeVersion as Array<{ v: string; err: Err }>) {
      if (r.err === null) assert.equal(unescapeVersion(escapeVersion(r.v)), r.v);
    }
  });

  test("remembered answers stay right: asked twice, past the memo's bound, and never for invalid paths", () => {
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        assert.equal(escapePath(`example.com/Mod${i}`), `example.com/!mod${i}`);
        assert.equal(unescapePath(`example.com/!mod${i}`), `example.com/Mod${i}`);
      }
      assert.throws(() => escapePath('example.com/a//b'), /double slash/);
      assert.throws(() => unescapePath('example.com/a//b'), /double slash/);
    }
  });
});
