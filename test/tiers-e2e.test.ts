// Two tiers on 127.0.0.1 over a real git repository: a parent gomodproxy in direct mode and a child that
// follows the parent's /index. A tag pushed to the repository and announced to the parent by its webhook
// reaches the child through the feed alone: the go command then downloads it from the child's cache
// (`/cached-only`), though nobody ever asked the child or the parent for that version.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { HOST } from './helpers/git-fixtures.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';
import { forEachGo, goDownload, goEnv } from './helpers/go.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { eventually } from './helpers/eventually.js';

const SECRET = 'tiers-hook-secret';
let root: string;
let git: GitServer;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-tiers-'));
  git = await startGitServer(path.join(root, 'repos'));
});
after(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

const cachedOnly = async (proxy: RunningProxy, p: string) => (await proxy.get(p, { 'Disable-Module-Fetch': 'true' })).status;

function hook(base: string, module: string): Promise<Response> {
  const body = JSON.stringify({ module });
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  return fetch(`${base}/hooks/refresh`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
}

await forEachGo('a parent in direct mode and a child following its index feed', (go) => {
  test('a version fetched through the parent, and a tag pushed and announced by webhook, are downloadable from the child cache alone', async (t) => {
    const name = `tiered${go.minor.replace('.', '')}`;
    const mod = `${HOST}/corp/${name}`;
    const repo = await GitRepoBuilder.init(path.join(root, 'repos/corp', name));
    await repo.commit({ 'go.mod': `module ${mod}\n\ngo 1.19\n`, 'lib.go': 'package lib\n' });
    await repo.tag('v1.0.0');
    const parent = await startProxy({
      upstream: 'direct',
      'direct-rewrite': [`https://${HOST}/=${git.url}/`],
      'direct-refresh': '1h',
      'list-ttl': '1h',
      'index-settle': '200ms',
      'hook-secret': SECRET,
    });
    const child = await startProxy({ upstream: parent.url, follow: parent.url, 'follow-interval': '200ms' });
    const viaParent = await goEnv(parent.url, {}, go);
    const fromChild = await goEnv(`${child.url}/cached-only`, {}, go);
    try {
      // 1. The go command fetches v1.0.0 through the parent; the child stores it from the feed.
      const first = await goDownload(viaParent, [`${mod}@v1.0.0`]);
      assert.equal(first.result.code, 0, first.result.stderr + first.result.stdout);
      await eventually(async () => (await cachedOnly(child, `/${mod}/@v/v1.0.0.zip`)) === 200, 'the child has v1.0.0', 120_000);
      const one = await goDownload(fromChild, [`${mod}@v1.0.0`]);
      assert.equal(one.result.code, 0, one.result.stderr + one.result.stdout);
      assert.equal(one.downloads[0]?.Sum, first.downloads[0]?.Sum);

      // 2. A tag is pushed and the parent's webhook called; nobody asks either proxy for it.
      await repo.commit({ 'lib.go': 'package lib\n\n// Pushed is new in v1.1.0.\nconst Pushed = true\n' });
      await repo.tag('v1.1.0');
      const hooked = Date.now();
      const answered = await hook(parent.url, mod);
      assert.ok(answered.status === 200 || answered.status === 202, `the hook answered ${answered.status}`);
      await eventually(async () => (await cachedOnly(child, `/${mod}/@v/v1.1.0.zip`)) === 200, 'the child has v1.1.0', 120_000);
      t.diagnostic(`pushed tag stored at the child ${Date.now() - hooked} ms after the hook was sent (hook answered ${answered.status})`);
      const latest = await goDownload(fromChild, [`${mod}@latest`]);
      assert.equal(latest.result.code, 0, latest.result.stderr + latest.result.stdout);
      assert.equal(latest.downloads[0]?.Version, 'v1.1.0');
      assert.match(latest.downloads[0]?.Sum ?? '', /^h1:/);
      // The same bytes as the go command computes from the parent.
      const check = await goDownload(viaParent, [`${mod}@v1.1.0`]);
      assert.equal(check.downloads[0]?.Sum, latest.downloads[0]?.Sum);
      // The parent's feed lists both, in the order they were stored.
      const feed = (await (await parent.get('/index')).text()).split('\n').filter((l) => l.includes(mod));
      assert.deepEqual(
        feed.map((l) => (JSON.parse(l) as { Version: string }).Version),
        ['v1.0.0', 'v1.1.0'],
      );
    } finally {
      await child.close();
      await parent.close();
      await rm(viaParent.home, { recursive: true, force: true });
      await rm(fromChild.home, { recursive: true, force: true });
    }
  });
});
