// Refresh webhooks: a tag pushed to a private git repository is downloadable through gomodproxy as soon as
// the push's webhook is answered, long before --direct-refresh or the list TTL would have shown it; bad
// signatures and malformed payloads change nothing; GitHub push payloads and replays; several workers.
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
import { goDownload, goEnv } from './helpers/go.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import { startProxy } from './helpers/proxy.js';
import { eventually } from './helpers/eventually.js';

const SECRET = 'hook-secret-for-tests';
const MOD = `${HOST}/corp/lib`;
let root: string;
let git: GitServer;
let repo: GitRepoBuilder;
let minor = 0;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-hooks-'));
  repo = await GitRepoBuilder.init(path.join(root, 'repos/corp/lib'));
  await repo.commit({ 'go.mod': `module ${MOD}\n\ngo 1.19\n`, 'lib.go': 'package lib\n' });
  await repo.tag('v1.0.0');
  git = await startGitServer(path.join(root, 'repos'));
});
after(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

/** Pushes a new tag to the repository: what a developer does before the webhook fires. */
async function pushTag(): Promise<string> {
  const v = `v1.${++minor}.0`;
  await repo.commit({ 'lib.go': `package lib\n\n// Version is the release.\nconst Version = "${v}"\n` });
  await repo.tag(v);
  return v;
}

const privateFlags = () => ({
  upstream: 'off',
  private: `${HOST}/corp`,
  'private-upstream': 'direct',
  'direct-rewrite': [`https://${HOST}/=${git.url}/`],
  'direct-refresh': '1h',
  'list-ttl': '1h',
  'hook-secret': SECRET,
});

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function hook(base: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/hooks/refresh`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body), ...headers },
  });
}

/**
 * Waits for the refresh a hook started: 200 once done, or 202 when it outlasted what webhook senders wait
 * for (a busy machine) and goes on in the background; either way the pushed version ends up stored.
 */
async function refreshed(base: string, res: Response, version: string): Promise<void> {
  assert.ok(res.status === 200 || res.status === 202, `hook answered ${res.status}: ${await res.clone().text()}`);
  if (res.status === 200) {
    const answer = (await res.json()) as { modules: Array<{ versions: string[]; stored: string[] }> };
    assert.ok(answer.modules[0]?.stored.includes(version), JSON.stringify(answer));
    assert.equal(answer.modules[0]?.versions.at(-1), version);
  }
  const stored = async () => (await fetch(`${base}/${MOD}/@v/${version}.zip`, { headers: { 'Disable-Module-Fetch': 'true' } })).status === 200;
  await eventually(stored, `${version} is stored`, 90_000);
}

const list = async (base: string) => (await (await fetch(`${base}/${MOD}/@v/list`)).text()).split('\n').filter((v) => v !== '');

test('a tag pushed to a private repository is downloadable at once after its webhook, and bad hooks change nothing', async () => {
  const proxy = await startProxy(privateFlags());
  const env = await goEnv(proxy.url);
  try {
    const first = await goDownload(env, [`${MOD}@latest`]);
    assert.equal(first.result.code, 0, first.result.stderr + first.result.stdout);
    const before = first.downloads[0]?.Version as string;
    const pushed = await pushTag();
    assert.equal((await list(proxy.url)).at(-1), before, 'without a hook the push is not seen inside --direct-refresh and --list-ttl');

    const body = JSON.stringify({ module: MOD });
    const unsigned = await fetch(`${proxy.url}/hooks/refresh`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    assert.equal(unsigned.status, 401);
    assert.match(await unsigned.text(), /X-Hub-Signature-256/);
    assert.equal((await hook(proxy.url, body, { 'x-hub-signature-256': sign(body, 'wrong') })).status, 401);
    assert.equal((await hook(proxy.url, body, { authorization: 'Bearer wrong' })).status, 401);
    const malformed = await hook(proxy.url, JSON.stringify({ modul: MOD }));
    assert.equal(malformed.status, 400);
    assert.match(await malformed.text(), /expected a GitHub or GitLab push/);
    assert.equal((await list(proxy.url)).at(-1), before, 'refused hooks refreshed nothing');

    await refreshed(proxy.url, await hook(proxy.url, body), pushed);
    const latest = await goDownload(env, [`${MOD}@latest`]);
    assert.equal(latest.result.code, 0, latest.result.stderr);
    assert.equal(latest.downloads[0]?.Version, pushed);
  } finally {
    await proxy.close();
    await rm(env.home, { recursive: true, force: true });
  }
});

test('a GitHub push refreshes the modules of that repository held here, once per delivery, and a GitLab token works', async () => {
  const proxy = await startProxy(privateFlags());
  try {
    assert.ok((await list(proxy.url)).length > 0);
    const pushed = await pushTag();
    const push = (repository: string) => JSON.stringify({ ref: `refs/tags/${pushed}`, repository: { html_url: repository, clone_url: `${repository}.git` } });
    const github = { 'x-github-event': 'push', 'x-github-delivery': 'd-1' };
    const elsewhere = await hook(proxy.url, push(`https://${HOST}/corp/unused`), { ...github, 'x-github-delivery': 'd-0' });
    assert.deepEqual(((await elsewhere.json()) as { modules: unknown[] }).modules, [], 'a repository nothing was fetched from is not mirrored');
    await refreshed(proxy.url, await hook(proxy.url, push(`https://${HOST}/corp/lib`), github), pushed);
    const replay = (await (await hook(proxy.url, push(`https://${HOST}/corp/lib`), github)).json()) as { replayed?: boolean };
    assert.equal(replay.replayed, true);
    assert.equal((await list(proxy.url)).at(-1), pushed);

    const next = await pushTag();
    const gitlab = JSON.stringify({ object_kind: 'tag_push', project: { web_url: `https://${HOST}/corp/lib` } });
    const viaToken = await fetch(`${proxy.url}/hooks/refresh`, {
      method: 'POST',
      body: gitlab,
      headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': SECRET },
    });
    await refreshed(proxy.url, viaToken, next);
    assert.equal((await list(proxy.url)).at(-1), next);
  } finally {
    await proxy.close();
  }
});

test('under --auth private and all, webhook senders (which have no gomodproxy token) are checked by the hook secret alone', async () => {
  for (const auth of ['private', 'all']) {
    const proxy = await startProxy({ ...privateFlags(), auth, 'auth-fail-limit': '1' });
    try {
      const body = JSON.stringify({ module: MOD });
      const signed = await hook(proxy.url, body);
      assert.ok(signed.status === 200 || signed.status === 202, `${auth}: ${signed.status} ${await signed.text()}`);
      const unsigned = await fetch(`${proxy.url}/hooks/refresh`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      assert.equal(unsigned.status, 401, auth);
      assert.match(await unsigned.text(), /X-Hub-Signature-256/, `${auth}: the hook's own answer, not the token challenge`);
      // The secret as a Bearer token is the hook's, not a failed token: sent again and again, it is never 429.
      for (let i = 0; i < 3; i++) {
        const headers = { 'content-type': 'application/json', authorization: `Bearer ${SECRET}` };
        const r = await fetch(`${proxy.url}/hooks/refresh`, { method: 'POST', body, headers });
        assert.ok(r.status === 200 || r.status === 202, `${auth}: Bearer secret ${r.status} ${await r.text()}`);
      }
    } finally {
      await proxy.close();
    }
  }
});

test('without a hook secret the endpoint is off', async () => {
  const proxy = await startProxy({ ...privateFlags(), 'hook-secret': '' });
  try {
    const res = await hook(proxy.url, JSON.stringify({ module: MOD }));
    assert.equal(res.status, 404);
    assert.match(await res.text(), /--hook-secret/);
  } finally {
    await proxy.close();
  }
});

test('with two workers, every worker answers the new list soon after the hook, whichever received it', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-hooks-w-'));
  const flags = Object.fromEntries(Object.entries(privateFlags()).map(([k, v]) => [k, Array.isArray(v) ? v.join(';') : v]));
  const { 'direct-rewrite': rewrite, ...rest } = flags;
  const proxy = await startProxyProcess({ ...rest, 'direct-rewrite': rewrite as string, workers: '2', data, sumdb: 'off', 'own-sumdb': 'off' });
  try {
    // Both workers remember the list (connections are spread over the workers).
    for (let i = 0; i < 8; i++) assert.ok((await list(proxy.url)).length > 0);
    const pushed = await pushTag();
    await refreshed(proxy.url, await hook(proxy.url, JSON.stringify({ module: MOD })), pushed);
    const everyWorker = async () => (await Promise.all(Array.from({ length: 8 }, () => list(proxy.url)))).every((l) => l.at(-1) === pushed);
    await eventually(everyWorker, 'every worker answers the new list', 90_000);
  } finally {
    await proxy.stop();
    await rm(data, { recursive: true, force: true });
  }
});
