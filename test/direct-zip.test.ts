// Module zips built from git by direct mode: which files go in (exclusions, LICENSE copying, vendor rules
// by go directive, .gitattributes) and which versions fail, checked file by file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isGmpError } from '../src/errors.js';
import { buildFixtures } from './helpers/git-fixtures.js';
import { startDirect } from './helpers/git-direct.js';
import type { TestDirect } from './helpers/git-direct.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';

let root: string;
let git: GitServer;
let direct: TestDirect;
const M = (p: string) => `github.com/gmpfixture/${p}`;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-git-'));
  await buildFixtures(root);
  git = await startGitServer(root);
  direct = await startDirect(git.url);
});
after(async () => {
  await direct?.close();
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

const names = async (mod: string, v: string) => [...(await direct.zipFiles(mod, v)).keys()].sort();

describe('module zips from git', () => {
  test('.gitattributes export-ignore and export-subst are ignored, eol conversion applies, symlinks and .hg_archival.txt are left out', async () => {
    const files = await direct.zipFiles(M('misc'), 'v1.0.0');
    assert.deepEqual([...files.keys()].sort(), ['.gitattributes', 'a.go', 'caf\u00e9/\u00fcber.go', 'crlf.txt', 'go.mod', 'ignored.txt', 'subst.txt']);
    assert.equal(files.get('subst.txt')?.toString(), 'commit $Format:%H$\n');
    assert.equal(files.get('crlf.txt')?.toString(), 'one\r\ntwo\r\n');
  });

  test('nested modules are left out of the parent zip, and v2/ is a nested module of the root', async () => {
    assert.deepEqual(await names(M('mono'), 'v1.0.0'), ['LICENSE', 'go.mod', 'root.go']);
    assert.deepEqual(await names(M('major'), 'v1.1.0'), ['LICENSE', 'a.go', 'go.mod']);
  });

  test('the root LICENSE is copied into subdirectory and v2/ modules that have none of their own', async () => {
    const sub = await direct.zipFiles(M('mono/sub'), 'v1.0.0');
    assert.deepEqual([...sub.keys()].sort(), ['LICENSE', 'go.mod', 's.go']);
    assert.equal(sub.get('LICENSE')?.toString(), 'Apache\n');
    assert.equal((await direct.zipFiles(M('mono/other'), 'v0.1.0')).get('LICENSE')?.toString(), 'BSD\n');
    assert.deepEqual(await names(M('major/v2'), 'v2.0.0'), ['LICENSE', 'b.go', 'go.mod']);
  });

  test("a root LICENSE over 16 MiB fails the subdirectory module with a 404 and the go command's words", async () => {
    await assert.rejects(
      direct.zipFiles(M('big/sub'), 'v1.0.0'),
      (err: unknown) => isGmpError(err, 'GMP_ERR_NOT_FOUND') && /LICENSE: LICENSE file too large \(max size is 16777216 bytes\)/.test(err.message),
    );
  });

  test('vendor directories follow the Go 1.19 rule below go 1.24 and the newer rule from go 1.24', async () => {
    assert.deepEqual(await names(M('vendor'), 'v1.0.0'), ['go.mod', 'pkg/p.go', 'vendor/modules.txt', 'vendor/x.go']);
    // x/mod >= v0.22 (Go >= 1.24): modules.txt goes, files directly in a nested vendor/ stay. Go 1.19 differs here.
    assert.deepEqual(await names(M('vendor'), 'v1.1.0'), ['go.mod', 'pkg/p.go', 'pkg/vendor/v.go', 'vendor/x.go']);
  });

  test('an invalid file name fails the whole version with a 404 that names the file', async () => {
    for (const v of ['v1.1.0', 'v1.2.0', 'v1.3.0']) {
      await assert.rejects(
        direct.zipFiles(M('badnames'), v),
        (err: unknown) => isGmpError(err, 'GMP_ERR_NOT_FOUND') && /malformed file path/.test(err.message),
      );
    }
    assert.deepEqual(await names(M('badnames'), 'v1.0.0'), ['go.mod', 'ok.go']);
  });

  test("git's archive of a zip is written in the instance's scratch area and removed there, never beside the mirrors", async () => {
    assert.ok((await direct.zipFiles(M('misc'), 'v1.0.0')).has('go.mod'));
    assert.equal(existsSync(path.join(direct.dataDir, 'vcs', 'tmp')), false, 'nothing was written under the mirrors folder');
    assert.deepEqual(await readdir(direct.scratch.dir), [], 'the archive is gone from the scratch area');
  });

  test('zip and mod refuse versions that Stat would not return exactly', async () => {
    await assert.rejects(direct.source.zip(M('nogomod'), 'v2.0.0', path.join(direct.dataDir, 'x.zip')), (err: unknown) => isGmpError(err, 'GMP_ERR_NOT_FOUND'));
    await assert.rejects(direct.source.mod(M('tags'), 'v1.5.0'), (err: unknown) => isGmpError(err, 'GMP_ERR_NOT_FOUND'));
    assert.equal((await direct.source.mod(M('nogomod'), 'v2.0.0+incompatible')).toString(), 'module github.com/gmpfixture/nogomod\n');
  });
});

test("a zip asked for once the instance's scratch area is sealed (shutdown) fails as a shutdown and does not make the area again", async () => {
  const sealed = await startDirect(git.url);
  try {
    // One zip while the area is open: the archive goes through it.
    assert.ok((await sealed.zipFiles(M('misc'), 'v1.0.0')).has('go.mod'));
    await sealed.scratch.close();
    await assert.rejects(sealed.zipFiles(M('mono'), 'v1.0.0'), (err: unknown) => isGmpError(err, 'GMP_ERR_SHUTTING_DOWN'));
    assert.equal(existsSync(sealed.scratch.dir), false, 'the removed scratch area was not made again');
  } finally {
    await sealed.close();
  }
});
