// The direct-mode oracle: real git repositories served on 127.0.0.1, resolved by the go command's own
// GOPROXY=direct and by the go command through gomodproxy (upstream `direct`); the answers must agree.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildFixtures } from './helpers/git-fixtures.js';
import type { Fixtures } from './helpers/git-fixtures.js';
import { directGoEnv, directProxyFlags, goListModules } from './helpers/git-oracle.js';
import { goDownload } from './helpers/go.js';
import type { Download } from './helpers/go.js';
import type { ListedModule } from './helpers/git-oracle.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';
import { goEnv } from './helpers/go.js';
import type { GoEnv } from './helpers/go.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let root: string;
let fx: Fixtures;
let git: GitServer;
let proxy: RunningProxy;
let viaDirect: GoEnv;
let viaProxy: GoEnv;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-git-'));
  fx = await buildFixtures(root);
  git = await startGitServer(root);
  proxy = await startProxy(directProxyFlags(git.url));
  [viaDirect, viaProxy] = await Promise.all([directGoEnv(git.url), goEnv(proxy.url)]);
});
after(async () => {
  await proxy?.close();
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

/** The fields that must agree; Error only as "there is one" (the texts differ by design: proxy vs VCS). */
const downloadKey = (d: Download) => ({ Path: d.Path, Version: d.Version, Sum: d.Sum, GoModSum: d.GoModSum, failed: d.Error !== undefined });

/**
 * Origin's TagSum (for list-based queries) and Ref (for hash queries) depend on the go command's local VCS
 * cache state and on `@v/list`, which the proxy protocol cannot carry; the rest of Origin must agree.
 */
function listKey(m: ListedModule) {
  const origin = m.Origin as Record<string, unknown> | undefined;
  const { Origin: _o, Dir: _d, GoMod: _g, Error: err, ...rest } = m as ListedModule & { Dir?: string };
  return {
    ...rest,
    failed: err !== undefined,
    origin: origin === undefined ? undefined : { VCS: origin.VCS, URL: origin.URL, Subdir: origin.Subdir, Hash: origin.Hash },
  };
}

describe('gomodproxy direct mode agrees with the go command', () => {
  test('go mod download -json gives identical versions, zip sums and go.mod sums for every fixture case', async () => {
    const args = [...fx.downloads, ...fx.failing];
    const [a, b] = await Promise.all([goDownload(viaDirect, args), goDownload(viaProxy, args)]);
    assert.equal(a.downloads.length, args.length, a.result.stderr);
    assert.deepEqual(b.downloads.map(downloadKey), a.downloads.map(downloadKey));
    for (const d of a.downloads) {
      const expectFail = fx.failing.includes(`${d.Path}@${d.Version}`);
      assert.equal(d.Error !== undefined, expectFail, `${d.Path}@${d.Version}: ${d.Error ?? ''}`);
    }
  });

  test('go list -m -versions lists the same versions (tag prefixes, +incompatible, majors)', async () => {
    const [a, b] = await Promise.all([goListModules(viaDirect, fx.modules, ['-versions']), goListModules(viaProxy, fx.modules, ['-versions'])]);
    assert.equal(a.length, fx.modules.length);
    assert.deepEqual(
      b.map((m) => [m.Path, m.Versions, m.Error !== undefined]),
      a.map((m) => [m.Path, m.Versions, m.Error !== undefined]),
    );
    const byPath = new Map(a.map((m) => [m.Path, m.Versions]));
    assert.deepEqual(byPath.get('github.com/gmpfixture/nogomod'), ['v1.0.0', 'v2.0.0+incompatible', 'v2.1.0+incompatible']);
    assert.deepEqual(byPath.get('github.com/gmpfixture/mono/sub'), ['v0.1.0', 'v1.0.0']);
  });

  test('go list -m -json M@branch|hash|latest resolves to the same versions and commits', async () => {
    const [a, b] = await Promise.all([goListModules(viaDirect, fx.queries), goListModules(viaProxy, fx.queries)]);
    assert.equal(a.length, fx.queries.length);
    assert.deepEqual(b.map(listKey), a.map(listKey));
    const versions = a.map((m) => m.Version ?? '');
    // All three pseudo-version forms occur, and a query on a +incompatible line keeps the suffix.
    assert.ok(
      versions.some((v) => /^v0\.0\.0-\d{14}-[0-9a-f]{12}$/.test(v)),
      'form 1',
    );
    assert.ok(
      versions.some((v) => /^v1\.0\.1-0\.\d{14}-[0-9a-f]{12}$/.test(v)),
      'form 2',
    );
    assert.ok(
      versions.some((v) => /^v1\.1\.0-rc\.1\.0\.\d{14}-[0-9a-f]{12}$/.test(v)),
      'form 3',
    );
    assert.ok(
      versions.some((v) => /^v2\.1\.1-0\.\d{14}-[0-9a-f]{12}\+incompatible$/.test(v)),
      '+incompatible pseudo',
    );
  });
});
