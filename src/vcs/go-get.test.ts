// go-import meta tags: parsing like cmd/go's lenient reader and choosing the one that covers a path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isGmpError } from '../errors.js';
import { Scratch } from '../storage/scratch.js';
import { DirectSource } from './direct-source.js';
import type { DirectSourceOptions } from './direct-source.js';
import { discoverRepoRoot, matchGoImport, parseMetaGoImports } from './go-get.js';
import { BlockedAddressError } from './net-guard.js';
import { Credentials } from './remote-auth.js';
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

// `.invalid` never resolves (RFC 6761): the guard's lookup says so with the guard on; undici's connect, with it off.
test('a host that does not resolve is the same "cannot resolve host" with private networks allowed or not', async () => {
  const credentials = new Credentials([]);
  for (const allowPrivateNetworks of [false, true]) {
    await assert.rejects(
      discoverRepoRoot('gmp-no-such-host.invalid/m', { allowPrivateNetworks, credentials, timeoutMs: 10_000 }),
      (err: Error) => err instanceof BlockedAddressError && /cannot resolve host gmp-no-such-host\.invalid/.test(err.message),
      `allowPrivateNetworks ${allowPrivateNetworks}`,
    );
  }
});

/** A DirectSource in a data directory laid out as a server's: mirrors under vcs/, git's archives in the scratch area tmp/. */
async function directIn(dir: string, opts: Omit<DirectSourceOptions, 'vcsDir' | 'scratchFile'>): Promise<DirectSource> {
  const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
  return new DirectSource({ vcsDir: path.join(dir, 'vcs'), scratchFile: (label) => scratch.file(label).path, ...opts });
}

test('direct mode answers 404 for a module whose host does not resolve, also with private networks allowed', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-go-get-'));
  try {
    for (const allowPrivateNetworks of [false, true]) {
      const direct = await directIn(dir, { refreshIntervalMs: 60_000, gitTimeoutMs: 10_000, allowPrivateNetworks });
      await assert.rejects(
        direct.list('gmp-no-such-host.invalid/m'),
        (err: unknown) => isGmpError(err) && err.code === 'GMP_ERR_NOT_FOUND' && /cannot resolve host/.test(err.message),
        `allowPrivateNetworks ${allowPrivateNetworks}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a go-get page that does not come within its timeout is 504 (an upstream timeout), not a 500', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-go-get-'));
  // The timeout's timer does not keep the process alive (a real request's socket would): this does.
  const alive = setInterval(() => undefined, 1000);
  try {
    // A server that never answers: the request ends as undici's fetch ends it, with the signal's reason.
    const fetchPage = (_url: string, signal: AbortSignal) =>
      new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    // The discovery's timeout is the git timeout's, up to 30 s.
    const direct = await directIn(dir, { refreshIntervalMs: 60_000, gitTimeoutMs: 200, fetchPage });
    await assert.rejects(
      direct.list('example.org/silent'),
      (err: unknown) => isGmpError(err, 'GMP_ERR_UPSTREAM_TIMEOUT') && /go-get discovery timed out/.test(err.message),
    );
  } finally {
    clearInterval(alive);
    await rm(dir, { recursive: true, force: true });
  }
});
