// The go command's fixed hosting rules: which repository and root a module path maps to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RepoRootError, fixedRepoRoot, launchpadRepoRoot } from './repo-root.js';

test('github and bitbucket paths map to https repositories at owner/repo', () => {
  assert.deepEqual(fixedRepoRoot('github.com/Owner/Repo/sub/v2'), {
    root: 'github.com/Owner/Repo',
    vcs: 'git',
    repo: 'https://github.com/Owner/Repo',
    discovered: false,
  });
  assert.equal(fixedRepoRoot('bitbucket.org/a/b')?.repo, 'https://bitbucket.org/a/b');
  assert.throws(() => fixedRepoRoot('github.com/owner'), RepoRootError);
  assert.throws(() => fixedRepoRoot('github.com/owner/repo.git'), /invalid version control suffix/);
});

test('a VCS qualifier ends the repository path, and other paths are left to discovery', () => {
  assert.deepEqual(fixedRepoRoot('example.com/foo.git/bar'), { root: 'example.com/foo.git', vcs: 'git', repo: 'https://example.com/foo', discovered: false });
  assert.equal(fixedRepoRoot('example.com/x/y.hg')?.vcs, 'hg');
  assert.equal(fixedRepoRoot('example.com/foo/bar'), undefined);
  assert.equal(fixedRepoRoot('chiselapp.com/user/u/repository/r')?.vcs, 'fossil');
  assert.equal(launchpadRepoRoot('launchpad.net/proj/sub')?.vcs, 'bzr');
});
