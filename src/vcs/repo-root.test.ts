// The go command's fixed hosting rules: which repository and root a module path maps to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRewriteRules } from './remote-auth.js';
import { RepoRootError, fixedRepoRoot, launchpadRepoRoot, rewriteRepoRoot } from './repo-root.js';

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

test('a rewrite from https://HOST/ maps a module to FROM plus its next path element, without discovery', () => {
  const rules = parseRewriteRules([
    'https://go.corp.test/=https://git.corp.test/go/',
    'https://go.corp.test/team/=https://gitlab.corp.test/team/',
    'https://golang.org/x/=https://go.googlesource.com/',
    'https://short.test=https://elsewhere.test/',
    'http://plain.test/=https://elsewhere.test/',
  ]);
  const root = (p: string) => rewriteRepoRoot(p, rules);
  assert.deepEqual(root('go.corp.test/lib/sub/v2'), { root: 'go.corp.test/lib', vcs: 'git', repo: 'https://go.corp.test/lib', discovered: false });
  assert.equal(root('go.corp.test/team/svc/pkg')?.root, 'go.corp.test/team/svc', 'the longest FROM decides the depth');
  assert.equal(root('golang.org/x/net/html')?.root, 'golang.org/x/net');
  assert.equal(root('go.corp.test'), undefined, 'no element after FROM: left to discovery');
  assert.equal(root('go.corp.test.evil/x'), undefined);
  assert.equal(root('short.test/x'), undefined, 'FROM must end in /');
  assert.equal(root('plain.test/x'), undefined, 'module paths map to https URLs only');
  assert.equal(root('other.test/x'), undefined);
});
