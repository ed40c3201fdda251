// SIGTERM under `direct` while fills nobody waits for are fetching from a slow git server (a go.mod read ahead,
// a list refreshed behind a hit; with two workers one of them also waits on the other's fill lock): once the
// last answer is sent they are cut, their git processes end, each is logged once at info as cut by the
// shutdown, and the process exits 0 at once, not at --shutdown-timeout nor --git-timeout. Nothing partial is
// stored: the next start fills the same version from the same mirrors.
import assert from 'node:assert/strict';
import { readFile, readdir, rm, mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { eventually } from './helpers/eventually.js';
import { HOST } from './helpers/git-fixtures.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';
import { startProxyProcess } from './helpers/proxy-process.js';

let root: string;
let git: GitServer;
const DEP_GO_MOD = `module ${HOST}/gmp/dep\n\ngo 1.16\n`;
const TOP_MOD = `/${HOST}/gmp/top/@v/v1.0.0.mod`;
const DEP_MOD = `/${HOST}/gmp/dep/@v/v1.0.0.mod`;
const LIST = `/${HOST}/gmp/listed/@v/list`;

async function repo(name: string, files: Record<string, string>): Promise<void> {
  const b = await GitRepoBuilder.init(path.join(root, 'repos', 'gmp', name));
  await b.commit(files);
  await b.tag('v1.0.0');
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-shutdown-direct-'));
  await repo('top', { 'go.mod': `module ${HOST}/gmp/top\n\ngo 1.16\n\nrequire ${HOST}/gmp/dep v1.0.0\n`, 'top.go': 'package top\n' });
  await repo('dep', { 'go.mod': DEP_GO_MOD, 'dep.go': 'package dep\n' });
  await repo('listed', { 'go.mod': `module ${HOST}/gmp/listed\n`, 'listed.go': 'package listed\n' });
  git = await startGitServer(path.join(root, 'repos'));
});

after(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

/** git processes still running in a mirror under dir (by their `-C` argument or working directory). */
async function gitProcessesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (cmd.includes(dir) && /\bgit\b/.test(cmd)) out.push(`${pid}: ${cmd}`);
  }
  return out;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

for (const workers of ['1', '2']) {
  test(`--workers ${workers}: SIGTERM while direct fills wait on a slow git server exits 0 at once, stores nothing partial, and the next start fills`, async () => {
    const data = path.join(root, `data-${workers}`);
    const flags = {
      data,
      workers,
      upstream: 'direct',
      'direct-rewrite': `https://${HOST}/=${git.url}/`,
      'direct-refresh': '1s',
      sumdb: 'off',
      'read-ahead': '4',
      'list-ttl': '8s',
      'git-timeout': '10m',
      'shutdown-timeout': '20s',
    };
    const p = await startProxyProcess(flags);
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
    let release = () => {};
    const fetches = (repoName: string) => git.requests.filter((r) => r === `POST /gmp/${repoName}/git-upload-pack`).length;
    const listFetched = fetches('listed');
    try {
      const first = await request(p.url + LIST);
      assert.equal(first.statusCode, 200);
      await first.body.dump();
      // From now on the git server holds every fetch of dep and listed until the test ends.
      git.hold = new Promise<void>((r) => {
        release = r;
      });
      git.holds = (p) => p.startsWith('/gmp/dep/') || p.startsWith('/gmp/listed/');
      // Past half the list's TTL (and past --direct-refresh): a hit, refreshed behind the answer with a fetch.
      await new Promise((r) => setTimeout(r, 4_500));
      const again = await request(p.url + LIST);
      assert.equal(again.statusCode, 200);
      await again.body.dump();
      await eventually(async () => fetches('listed') > listFetched + 1, 'the list hit is refreshed in the background');
      // A go.mod without graph pruning: the go.mod it requires is read ahead, which clones dep (held).
      const top = await request(p.url + TOP_MOD);
      assert.equal(top.statusCode, 200, await top.body.text());
      await eventually(async () => fetches('dep') > 0, 'the go.mod required by top is read ahead');

      p.child.kill('SIGTERM');
      const code = await exited;
      const errors = p.logs.filter((l) => /"level":(50|60)/.test(l) || /unreachable|timed out|stopped, the repository/.test(l));
      assert.deepEqual(errors, [], p.logs.join('\n'));
      assert.deepEqual(
        p.logs.filter((l) => /upstream circuit|shutdown timeout reached/.test(l)),
        [],
      );
      assert.equal(code, 0, p.logs.join('\n'));
      const cut = p.logs.filter((l) => l.includes('fill cut by shutdown')).map((l) => JSON.parse(l) as { level: number; module: string; worker?: string });
      for (const mod of [`${HOST}/gmp/dep`, `${HOST}/gmp/listed`])
        assert.ok(
          cut.some((c) => c.module === mod),
          p.logs.join('\n'),
        );
      assert.ok(cut.every((c) => c.level === 30));
      const told = cut.map((c) => `${c.worker ?? ''} ${c.module}`);
      assert.equal(new Set(told).size, told.length, p.logs.join('\n'));
      // The git processes of the cut fills ended with the process (none waits on the held server).
      await eventually(async () => (await gitProcessesUnder(path.join(data, 'vcs'))).length === 0, 'no git process of the proxy is left', 10_000);
      assert.equal(await exists(path.join(data, 'cache', 'github.com', 'gmp', 'dep', '@v', 'v1.0.0.mod')), false);
    } finally {
      release();
      git.hold = undefined;
      git.holds = undefined;
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    }

    // The next start, with the server answering again, fills what was cut from the same mirrors.
    const next = await startProxyProcess(flags);
    try {
      const mod = await request(next.url + DEP_MOD);
      assert.equal(mod.statusCode, 200);
      assert.equal(await mod.body.text(), DEP_GO_MOD);
      const list = await request(next.url + LIST);
      assert.equal(list.statusCode, 200);
      assert.equal(await list.body.text(), 'v1.0.0\n');
      const zip = await request(`${next.url}/${HOST}/gmp/dep/@v/v1.0.0.zip`);
      assert.equal(zip.statusCode, 200);
      await zip.body.dump();
    } finally {
      assert.equal(await next.stop(), 0);
    }
  });
}
