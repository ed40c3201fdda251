// Direct mode for vanity module paths whose host serves no go-get page: a --direct-rewrite from
// https://HOST/ maps them to a repository without discovery (FROM plus the next path element).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isGmpError } from '../src/errors.js';
import { readZip, startDirect } from './helpers/git-direct.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';
import { goDownload, goEnv } from './helpers/go.js';
import { startProxy } from './helpers/proxy.js';

let root: string;
let git: GitServer;
let rewrite: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-vanity-'));
  // One repository holding go.corp.test/lib and, in sub/, the nested module go.corp.test/lib/sub.
  const repo = await GitRepoBuilder.init(path.join(root, 'corp/lib'));
  await repo.commit({
    'go.mod': 'module go.corp.test/lib\n',
    'lib.go': 'package lib\n',
    'sub/go.mod': 'module go.corp.test/lib/sub\n',
    'sub/sub.go': 'package sub\n',
  });
  await repo.tag('v1.0.0');
  await repo.tag('sub/v0.1.0');
  git = await startGitServer(root);
  rewrite = `https://go.corp.test/=${git.url}/corp/`;
});
after(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

test('modules under the rewritten host are served from FROM + next element, and no go-get page is fetched', async () => {
  const pages: string[] = [];
  const d = await startDirect(git.url, { rewrite: [rewrite], fetchPage: async (url) => (pages.push(url), '') });
  try {
    assert.deepEqual(await d.source.list('go.corp.test/lib'), ['v1.0.0']);
    assert.deepEqual(await d.source.list('go.corp.test/lib/sub'), ['v0.1.0']);
    assert.deepEqual([...(await d.zipFiles('go.corp.test/lib', 'v1.0.0')).keys()].sort(), ['go.mod', 'lib.go']);
    assert.deepEqual([...(await d.zipFiles('go.corp.test/lib/sub', 'v0.1.0')).keys()].sort(), ['go.mod', 'sub.go']);
    assert.deepEqual(pages, []);
    // Other hosts still go through discovery, as the go command does.
    await assert.rejects(d.source.list('example.org/x'), (e: unknown) => isGmpError(e, 'GMP_ERR_NOT_FOUND') && /go-import/.test(e.message));
    assert.deepEqual(pages, ['https://example.org/x?go-get=1']);
  } finally {
    await d.close();
  }
});

test('the go command downloads a vanity module through gomodproxy with such a rewrite', async () => {
  const proxy = await startProxy({ upstream: 'direct', 'direct-rewrite': [rewrite] });
  try {
    const { result, downloads } = await goDownload(await goEnv(proxy.url), ['go.corp.test/lib@v1.0.0', 'go.corp.test/lib/sub@v0.1.0']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.deepEqual(
      downloads.map((d) => [d.Path, d.Version, /^h1:/.test(d.Sum ?? '')]),
      [
        ['go.corp.test/lib', 'v1.0.0', true],
        ['go.corp.test/lib/sub', 'v0.1.0', true],
      ],
    );
  } finally {
    await proxy.close();
  }
});

test('a tag moved after the proxy served its .info: the go command still gets the zip of the commit that .info named', async () => {
  const repo = await GitRepoBuilder.init(path.join(root, 'corp/moved'));
  const first = await repo.commit({ 'go.mod': 'module go.corp.test/moved\n', 'a.go': 'package moved\n\nconst V = 1\n' });
  await repo.tag('v1.0.0');
  const proxy = await startProxy({ upstream: 'direct', 'direct-rewrite': [rewrite], 'direct-refresh': '0s' });
  try {
    const info = await proxy.get('/go.corp.test/moved/@v/v1.0.0.info');
    assert.equal(info.status, 200);
    assert.equal(((await info.json()) as { Origin?: { Hash?: string } }).Origin?.Hash, first);
    await repo.commit({ 'go.mod': 'module go.corp.test/moved\n', 'a.go': 'package moved\n\nconst V = 2\n' });
    await repo.git('tag', '-f', 'v1.0.0');
    const { result, downloads } = await goDownload(await goEnv(proxy.url), ['go.corp.test/moved@v1.0.0']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    const zip = downloads[0]?.Zip;
    assert.ok(zip !== undefined);
    const files = await readZip(zip, 'go.corp.test/moved@v1.0.0/');
    assert.match(files.get('a.go')?.toString('utf8') ?? '', /V = 1/);
  } finally {
    await proxy.close();
  }
});
