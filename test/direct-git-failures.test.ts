// Answers under `direct` that are shared between fills until the mirror's next refresh (revisions, retractions)
// are never made from git failing: a blob fetch that times out while the retractions of a module are read is
// that failure for the fill that met it, and the next fill reads them again, instead of every later fill getting
// a pseudo-version whose base ignores the retractions (what the go command never computes once it can read them).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isGmpError } from '../src/errors.js';
import { buildFixtures } from './helpers/git-fixtures.js';
import { startDirect } from './helpers/git-direct.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';

let root: string;
let git: GitServer;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-git-fail-'));
  await buildFixtures(root);
  git = await startGitServer(root);
});
after(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

test('a git timeout while the retractions are read fails that fill and is not remembered as "nothing retracted"', async () => {
  const mod = 'github.com/gmpfixture/retract';
  // The highest release's go.mod (v1.3.0) retracts v1.2.0 and v1.1.0: the branch after12 (a commit after v1.2.0)
  // is v1.0.1-0.…, as the go command says (test/direct-oracle.test.ts); without them it would be v1.2.1-0.….
  const d = await startDirect(git.url, { gitTimeoutMs: 1500 });
  let release = (): void => undefined;
  try {
    // The mirror's refs and commits, blob-filtered: the go.mod blobs are fetched when first read.
    assert.ok((await d.source.list(mod)).includes('v1.3.0'));
    git.hold = new Promise<void>((resolve) => (release = resolve));
    await assert.rejects(d.source.info(mod, 'after12'), (err: unknown) => isGmpError(err, 'GMP_ERR_UPSTREAM_TIMEOUT'));
    release();
    git.hold = undefined;
    assert.match((await d.source.info(mod, 'after12')).Version, /^v1\.0\.1-0\.\d{14}-[0-9a-f]{12}$/);
  } finally {
    release();
    await d.close();
  }
});
