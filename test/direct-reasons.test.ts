// Direct mode's reasons for a version it refuses (a commit whose go.mod names another major version or a
// malformed path, a pseudo-version that does not fit its commit) are the go command's own: the go command shows
// them after "server response:", so they must read as GOPROXY=direct's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HOST } from './helpers/git-fixtures.js';
import { directGoEnv, startDirectOracle } from './helpers/git-oracle.js';
import type { DirectOracle } from './helpers/git-oracle.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import { goDownload, goEnv } from './helpers/go.js';

const M = `${HOST}/gmpfixture/majerr`;
let oracle: DirectOracle | undefined;
const commits: string[] = [];

before(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'gmp-majerr-'));
  const repo = await GitRepoBuilder.init(path.join(root, 'gmpfixture/majerr'));
  commits[0] = await repo.commit({ 'go.mod': `module ${M}\n`, 'a.go': 'package majerr\n' });
  await repo.tag('v1.0.0');
  // A module path whose major suffix is malformed (/v1), tagged as a v1 release.
  await repo.commit({ 'go.mod': `module ${M}/v1\n` });
  await repo.tag('v1.2.0');
  // Untagged commits: a go.mod gone on to v2 (post-v1 for a v1 query), a v2/go.mod of another major, and both
  // go.mod and v2/go.mod claiming v2.
  commits[1] = await repo.commit({ 'go.mod': `module ${M}/v2\n` });
  commits[2] = await repo.commit({ 'go.mod': `module ${M}\n`, 'v2/go.mod': `module ${M}/v3\n` });
  commits[3] = await repo.commit({ 'go.mod': `module ${M}/v2\n`, 'v2/go.mod': `module ${M}/v2\n` });
  oracle = await startDirectOracle(root);
});
after(() => oracle?.close());

test('a go.mod of another major, a malformed path or a pseudo-version of another time fails through gomodproxy with the reason GOPROXY=direct gives', async () => {
  const { git, proxy } = oracle as DirectOracle;
  const [c0, c1, c2, c3] = commits.map((c) => c.slice(0, 12));
  const args = [`${M}@${c1}`, `${M}/v2@${c0}`, `${M}@v1.2.0`, `${M}/v2@${c2}`, `${M}/v2@${c3}`, `${M}@v1.2.1-0.20000101000000-${c1}`];
  const [direct, viaProxy] = await Promise.all([goDownload(await directGoEnv(git.url), args), goDownload(await goEnv(proxy.url), args)]);
  assert.equal(direct.downloads.length, args.length, direct.result.stderr);
  const reasons = direct.downloads.map((d) => d.Error ?? '');
  // The shapes of the go command's own message (modfetch/coderepo.go findDir).
  assert.match(reasons[0] as string, /go\.mod has post-v1 module path ".*\/v2" at revision [0-9a-f]{12}$/);
  assert.match(reasons[1] as string, /go\.mod has non-\.\.\.\/v2 module path ".*majerr" \(and \.\.\.\/v2\/go\.mod does not exist\) at revision [0-9a-f]{12}$/);
  assert.match(reasons[2] as string, /go\.mod has malformed module path ".*\/v1" at revision v1\.2\.0$/);
  assert.match(reasons[3] as string, /: github\.com\/gmpfixture\/majerr\/v2\/go\.mod has non-\.\.\.\/v2 module path ".*\/v3" at revision [0-9a-f]{12}$/);
  assert.match(reasons[5] as string, /: invalid pseudo-version: does not match version-control timestamp \(expected \d{14}\)$/);
  assert.match(reasons[4] as string, /: github\.com\/gmpfixture\/majerr\/go\.mod and \.\.\.\/v2\/go\.mod both have \.\.\.\/v2 module paths at/);
  assert.deepEqual(
    viaProxy.downloads.map((d) => (d.Error ?? '').replace(/^[\s\S]*\n\tserver response: not found: /, '')),
    reasons,
  );
});
