// The direct-mode oracle: real git repositories served on 127.0.0.1, resolved by the go command's own
// GOPROXY=direct and by the go command through gomodproxy (upstream `direct`); the answers must agree.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { escapePath, escapeVersion } from '../src/protocol/escape.js';
import { buildFixtures } from './helpers/git-fixtures.js';
import type { Fixtures } from './helpers/git-fixtures.js';
import { directGoEnv, goListModules, startDirectOracle } from './helpers/git-oracle.js';
import type { DirectOracle, ListedModule } from './helpers/git-oracle.js';
import type { GitServer } from './helpers/git-server.js';
import { forEachGo, goDownload, goEnv } from './helpers/go.js';
import type { Download, GoCommand, GoEnv } from './helpers/go.js';
import type { RunningProxy } from './helpers/proxy.js';

let root: string;
let fx: Fixtures;
let git: GitServer;
let proxy: RunningProxy;

let oracle: DirectOracle | undefined;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-git-'));
  fx = await buildFixtures(root);
  oracle = await startDirectOracle(root);
  ({ git, proxy } = oracle);
});
after(() => oracle?.close());

/** The fields that must agree; Error only as "there is one" (the texts differ by design: proxy vs VCS). */
const downloadKey = (d: Download) => ({ Path: d.Path, Version: d.Version, Sum: d.Sum, GoModSum: d.GoModSum, failed: d.Error !== undefined });

/** Queries the go command answers from the version list: latest, a version prefix, a comparison. */
const listQuery = (q: string) => q === 'latest' || q === 'upgrade' || q === 'patch' || /^v\d+(\.\d+)?$/.test(q) || /^[<>]/.test(q);

/**
 * Origin's TagSum (for list-based queries) and Ref (for hash queries) depend on the go command's local VCS
 * cache state and on `@v/list`, which the proxy protocol cannot carry; the rest of Origin must agree.
 * An error through a proxy (a 404) has no Origin in any release, where GOPROXY=direct reports the repository's.
 * Go 1.23 goes further: a list-based query's Origin is the version list's (modload/query.go revWithOrigin),
 * so through any proxy it has none. `expected` applies that to the GOPROXY=direct side; go 1.19 keeps the
 * .info's Origin.
 */
function listKey(m: ListedModule, expected?: GoCommand) {
  const dropped = expected !== undefined && (m.Error !== undefined || (expected.minor !== '1.19' && listQuery(m.Query ?? '')));
  const origin = dropped ? undefined : (m.Origin as Record<string, unknown> | undefined);
  const { Origin: _o, Dir: _d, GoMod: _g, Error: err, ...rest } = m as ListedModule & { Dir?: string };
  return {
    ...rest,
    failed: err !== undefined,
    origin: origin === undefined ? undefined : { VCS: origin.VCS, URL: origin.URL, Subdir: origin.Subdir, Hash: origin.Hash },
  };
}

/** The heaviest oracle (about 30 s a release): see its skip reason. GMP_FULL_ORACLE=1 runs it with every release. */
const downloadOracleSkip = (go: GoCommand) =>
  go.minor === '1.19' || process.env.GMP_FULL_ORACLE === '1'
    ? false
    : `go 1.19 covers it: go ${go.minor} builds module zips with the same x/mod/zip and codeRepo.Zip code (only doc comments differ); GMP_FULL_ORACLE=1 runs it`;

/**
 * What a failing version answers through the proxy: `.info`, then (when that succeeds) `.mod` and `.zip`, each
 * 200 or not found. The go command falls through or reports "not found" only on 404 and 410; anything else
 * (a 502 for a known condition) is a wrong status even when the go command fails either way.
 */
test('versions the go command cannot use answer 404 or 410 through gomodproxy, never another error', async () => {
  for (const arg of fx.failing) {
    const at = arg.lastIndexOf('@');
    const base = `/${escapePath(arg.slice(0, at))}/@v/`;
    const info = await proxy.get(`${base}${escapeVersion(arg.slice(at + 1))}.info`);
    const statuses = [info.status];
    if (info.ok) {
      const v = escapeVersion(((await info.json()) as { Version: string }).Version);
      for (const ext of ['mod', 'zip']) statuses.push((await proxy.get(`${base}${v}.${ext}`)).status);
    } else await info.body?.cancel();
    assert.ok(statuses.every((s) => s === 200 || s === 404 || s === 410) && statuses.some((s) => s !== 200), `${arg}: ${statuses.join(' ')}`);
  }
});

await forEachGo('gomodproxy direct mode agrees with the go command', (go) => {
  let viaDirect: GoEnv;
  let viaProxy: GoEnv;
  before(async () => {
    [viaDirect, viaProxy] = await Promise.all([directGoEnv(git.url, go), goEnv(proxy.url, {}, go)]);
  });

  test('go mod download -json gives identical versions, zip sums and go.mod sums for every fixture case', { skip: downloadOracleSkip(go) }, async () => {
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
    assert.deepEqual(
      b.map((m) => listKey(m)),
      a.map((m) => listKey(m, go)),
    );
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
    // Retracted tags are no base: v1.2.0 and (written v1.1) v1.1.0 are retracted, so the base is v1.0.0;
    // where the go.mod fails ParseLax nothing is retracted and the base is v1.2.0.
    const byPath = new Map(a.map((m) => [m.Path, m.Version ?? '']));
    assert.match(byPath.get('github.com/gmpfixture/retract') ?? '', /^v1\.0\.1-0\.\d{14}-[0-9a-f]{12}$/);
    assert.match(byPath.get('github.com/gmpfixture/retractbad') ?? '', /^v1\.2\.1-0\.\d{14}-[0-9a-f]{12}$/);
  });
});
