// go-import meta tags: parsing like cmd/go's lenient reader and choosing the one that covers a path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchGoImport, parseMetaGoImports } from './go-get.js';
import { RepoRootError } from './repo-root.js';

test('meta tags are read up to <body>, with exactly three fields, mod entries first and shadowing their prefix', () => {
  const html = `<html><head>
    <META NAME='go-import' CONTENT="example.org/a git https://git.example.org/a">
    <meta name="go-import" content="example.org/a mod https://proxy.example.org">
    <meta name="go-import" content="example.org/b git https://x/b extra">
    <meta name="go-import" content="example.org/c hg https://x/c?a=1&amp;b=2">
    </head><body><meta name="go-import" content="example.org/d git https://x/d"></body></html>`;
  assert.deepEqual(parseMetaGoImports(html), [
    { prefix: 'example.org/a', vcs: 'mod', repoRoot: 'https://proxy.example.org' },
    { prefix: 'example.org/c', vcs: 'hg', repoRoot: 'https://x/c?a=1&b=2' },
  ]);
});

test('exactly one entry must cover the path, unless a mod entry comes first', () => {
  const a = { prefix: 'example.org/a', vcs: 'git', repoRoot: 'https://x/a' };
  assert.equal(matchGoImport([a], 'example.org/a/sub'), a);
  assert.throws(() => matchGoImport([a], 'example.org/ab'), RepoRootError);
  assert.throws(() => matchGoImport([a, { ...a, repoRoot: 'https://y' }], 'example.org/a'), /multiple meta tags/);
  const m = { ...a, vcs: 'mod' };
  assert.equal(matchGoImport([m, a], 'example.org/a'), m);
});
