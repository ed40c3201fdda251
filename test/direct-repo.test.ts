// Direct mode's repository handling: the mirror refresh policy (at most once per interval, one fetch at a
// time, a hash pushed since answered from a fetch that waits out the gap), partial clones, go-get discovery with
// the SSRF guard and `mod` entries, and unsupported VCSs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isGmpError } from '../src/errors.js';
import { eventually } from './helpers/eventually.js';
import type { RawSource } from '../src/upstream/source.js';
import { DirectSource } from '../src/vcs/direct-source.js';
import { REFETCH_GAP_MS } from '../src/vcs/git-repo.js';
import { atLeast, parseGitVersion } from '../src/vcs/git-version.js';
import { HOST } from './helpers/git-fixtures.js';
import { startDirect } from './helpers/git-direct.js';
import { directProxyFlags } from './helpers/git-oracle.js';
import { goDownload, goEnv } from './helpers/go.js';
import { startProxy } from './helpers/proxy.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';

let root: string;
let git: GitServer;
let repo: GitRepoBuilder;
const MOD = 'github.com/gmpfixture/live';

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-git-'));
  repo = await GitRepoBuilder.init(path.join(root, 'gmpfixture/live'));
  await repo.commit({ 'go.mod': `module ${MOD}\n`, 'a.go': 'package live\n' });
  await repo.tag('v1.0.0');
  git = await startGitServer(root);
});
after(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

/** Command lines of the running processes that name `dir` (git runs with `-C <mirror>`). */
function gitProcessesIn(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmd.includes(dir)) found.push(cmd);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const installedGit = parseGitVersion(execFileSync('git', ['--version'], { encoding: 'utf8' }));
const atomicSkip = atLeast(installedGit, [2, 31])
  ? false
  : `git ${installedGit?.join('.') ?? '?'} has no fetch --atomic (2.31): its fetches update refs one by one`;

const notFound = (re: RegExp) => (err: unknown) => isGmpError(err, 'GMP_ERR_NOT_FOUND') && re.test(err.message);

describe('the repository mirror', () => {
  test('concurrent requests share one fetch, and nothing is fetched again within the refresh interval', async () => {
    const d = await startDirect(git.url, { refreshIntervalMs: 60_000 });
    try {
      const lists = await Promise.all([1, 2, 3, 4, 5].map(() => d.source.list(MOD)));
      for (const l of lists) assert.deepEqual(l, ['v1.0.0']);
      await d.source.info(MOD, 'v1.0.0');
      await d.source.list(MOD);
      assert.equal(d.source.mirrorFetches, 1);
    } finally {
      await d.close();
    }
  });

  test('a tag pushed upstream appears after the refresh interval, not before', async () => {
    // A clock the test moves: pushing a tag may take longer than any real interval on a loaded machine.
    let now = 1_000_000;
    const d = await startDirect(git.url, { refreshIntervalMs: 400, now: () => now });
    try {
      assert.deepEqual(await d.source.list(MOD), ['v1.0.0']);
      await repo.commit({ 'b.go': 'package live\n' });
      await repo.tag('v1.1.0');
      now += 399;
      assert.deepEqual(await d.source.list(MOD), ['v1.0.0']);
      now += 2;
      assert.deepEqual(await d.source.list(MOD), ['v1.0.0', 'v1.1.0']);
      assert.equal((await d.source.info(MOD, 'main')).Version, 'v1.1.0');
    } finally {
      await d.close();
    }
  });

  test('an expired mirror fetches at once inside the refresh interval (a push announced by a webhook)', async () => {
    const pushed = await GitRepoBuilder.init(path.join(root, 'gmpfixture/pushed'));
    await pushed.commit({ 'go.mod': 'module github.com/gmpfixture/pushed\n', 'p.go': 'package pushed\n' });
    await pushed.tag('v1.0.0');
    const d = await startDirect(git.url, { refreshIntervalMs: 3_600_000 });
    try {
      const mod = 'github.com/gmpfixture/pushed';
      assert.deepEqual(await d.source.list(mod), ['v1.0.0']);
      await pushed.commit({ 'p.go': 'package pushed\n\n// v1.1.0\n' });
      await pushed.tag('v1.1.0');
      assert.deepEqual(await d.source.list(mod), ['v1.0.0'], 'inside the interval the mirror is not fetched');
      await d.raw.expire(mod);
      assert.deepEqual(await Promise.all([d.source.list(mod), d.source.list(mod)]), [
        ['v1.0.0', 'v1.1.0'],
        ['v1.0.0', 'v1.1.0'],
      ]);
      assert.equal(d.source.mirrorFetches, 2);
      assert.deepEqual(await d.source.list(mod), ['v1.0.0', 'v1.1.0']);
      assert.equal(d.source.mirrorFetches, 2, 'expiring makes one fetch, not a fetch per request');
    } finally {
      await d.close();
    }
  });

  test('a commit pushed inside the refresh interval resolves by its hash (the refs are fetched again), one on no branch does not', async () => {
    const pushed = await GitRepoBuilder.init(path.join(root, 'gmpfixture/byhash'));
    await pushed.commit({ 'go.mod': 'module github.com/gmpfixture/byhash\n', 'p.go': 'package byhash\n' });
    await pushed.tag('v1.0.0');
    let now = 1_000_000;
    const d = await startDirect(git.url, { refreshIntervalMs: 3_600_000, now: () => now });
    try {
      const mod = 'github.com/gmpfixture/byhash';
      assert.deepEqual(await d.source.list(mod), ['v1.0.0']);
      // Pushed to main after the mirror's fetch, and asked for by its hash, as `go get mod@<hash>` does.
      const hash = await pushed.commit({ 'p.go': 'package byhash\n\n// later\n' });
      now += 2_001;
      const info = await d.source.info(mod, hash.slice(0, 12));
      assert.equal(d.source.mirrorFetches, 2);
      assert.match(info.Version, new RegExp(`^v1\\.0\\.1-0\\.\\d{14}-${hash.slice(0, 12)}$`));
      // A commit no branch or tag reaches (here: main moved back past it) stays unknown, fetched refs or not.
      await pushed.git('reset', '--hard', 'HEAD~1');
      const gone = await pushed.commit({ 'q.go': 'package byhash\n' });
      await pushed.git('reset', '--hard', 'HEAD~1');
      now += 2_001;
      await assert.rejects(d.source.info(mod, gone.slice(0, 12)), notFound(/unknown revision/));
    } finally {
      await d.close();
    }
  });

  test('a commit pushed right after a fetch, asked for by its hash within the gap, waits for the next fetch and is served, not a 404', async () => {
    const pushed = await GitRepoBuilder.init(path.join(root, 'gmpfixture/ingap'));
    await pushed.commit({ 'go.mod': 'module github.com/gmpfixture/ingap\n', 'p.go': 'package ingap\n' });
    await pushed.tag('v1.0.0');
    // A clock that stands still: every request below falls inside the gap after the first fetch, however slow the machine.
    const d = await startDirect(git.url, { refreshIntervalMs: 3_600_000, now: () => 1_000_000 });
    try {
      const mod = 'github.com/gmpfixture/ingap';
      assert.deepEqual(await d.source.list(mod), ['v1.0.0']);
      const hash = await pushed.commit({ 'p.go': 'package ingap\n\n// pushed right after the fetch\n' });
      const time = new Date(Number(await pushed.git('show', '-s', '--format=%ct', hash)) * 1000);
      const pseudo = `v1.0.1-0.${time.toISOString().replace(/\D/g, '').slice(0, 14)}-${hash.slice(0, 12)}`;
      const [byShort, byFull] = await Promise.all([d.source.info(mod, hash.slice(0, 12)), d.source.info(mod, hash)]);
      for (const info of [byShort, byFull]) {
        assert.equal(info.Version, pseudo);
        assert.equal(info.Time, time.toISOString().replace('.000Z', 'Z'));
        assert.equal(info.Origin?.Hash, hash);
      }
    } finally {
      await d.close();
    }
  });

  test('the go command downloads a commit pushed right after the proxy fetched, by its hash: not a 404 it would remember', async () => {
    const pushed = await GitRepoBuilder.init(path.join(root, 'gmpfixture/goget'));
    const mod = 'github.com/gmpfixture/goget';
    await pushed.commit({ 'go.mod': `module ${mod}\n`, 'g.go': 'package goget\n' });
    await pushed.tag('v1.0.0');
    const proxy = await startProxy({ ...directProxyFlags(git.url), 'direct-refresh': '1h', 'negative-ttl': '1h' });
    try {
      const env = await goEnv(proxy.url);
      const first = await proxy.get(`/${mod}/@v/v1.0.0.info`);
      assert.equal(first.status, 200, await first.text());
      // Past the first fetch's gap (the mirror's clone is slow), a made-up hash makes a fetch at once: a quick one,
      // so that the go command asks for the commit pushed next well inside that fetch's gap.
      await new Promise((r) => setTimeout(r, REFETCH_GAP_MS + 100));
      assert.equal((await proxy.get(`/${mod}/@v/abcdef123456.info`)).status, 404);
      const hash = await pushed.commit({ 'g.go': 'package goget\n\nconst Pushed = true\n' });
      const { result, downloads } = await goDownload(env, [`${mod}@${hash.slice(0, 12)}`]);
      assert.equal(result.code, 0, result.stderr + result.stdout);
      assert.match(downloads[0]?.Version ?? '', new RegExp(`^v1\\.0\\.1-0\\.\\d{14}-${hash.slice(0, 12)}$`));
      assert.equal(downloads[0]?.Error, undefined);
    } finally {
      await proxy.close();
    }
  });

  test('made-up hashes within the gap wait for the next fetch and 404 from it; a burst of them makes at most one fetch per gap', async () => {
    const d = await startDirect(git.url, { refreshIntervalMs: 3_600_000 });
    try {
      const t0 = Date.now();
      assert.ok((await d.source.list(MOD)).includes('v1.0.0'));
      const madeUp = (i: number) => `abcdef${String(i).padStart(6, '0')}`;
      const burst = (from: number) =>
        Promise.all(Array.from({ length: 10 }, (_, i) => assert.rejects(d.source.info(MOD, madeUp(from + i)), notFound(/unknown revision/))));
      // A second wave asked while the first waits for the gap to end, and a third once that fetch is over.
      const first = burst(0);
      await new Promise((r) => setImmediate(r));
      await Promise.all([first, burst(10)]);
      const afterTwo = d.source.mirrorFetches - 1;
      await burst(20);
      const fetches = d.source.mirrorFetches - 1;
      // Not the refs of the fetch before the requests: each wave was answered from one started after it.
      assert.ok(afterTwo >= 1 && fetches > afterTwo, `fetches for the waves: ${afterTwo}, then ${fetches}`);
      // The n-th of them started no sooner than n gaps after the first fetch (itself after t0): a bound, not a speed.
      // Requests that reach the check while a fetch is queued share it: 30 of them make a few fetches, not 30.
      assert.ok(Date.now() - t0 >= fetches * REFETCH_GAP_MS - 50, `${fetches} fetches in ${Date.now() - t0} ms`);
      assert.ok(fetches <= 10, `${fetches} fetches for 30 requests`);
    } finally {
      await d.close();
    }
  });

  test('a fetch that cannot update one ref changes none: the mirror serves the refs it had, not a mix of old and new', { skip: atomicSkip }, async () => {
    const pushed = await GitRepoBuilder.init(path.join(root, 'gmpfixture/atomic'));
    const mod = 'github.com/gmpfixture/atomic';
    await pushed.commit({ 'go.mod': `module ${mod}\n`, 'a.go': 'package atomic\n' });
    await pushed.tag('v1.0.0');
    const d = await startDirect(git.url, { refreshIntervalMs: 3_600_000 });
    try {
      assert.deepEqual(await d.source.list(mod), ['v1.0.0']);
      await pushed.commit({ 'a.go': 'package atomic\n\n// v1.1.0\n' });
      await pushed.tag('v1.1.0');
      // The new tag's ref cannot be written (as with a full disk, or another git holding its lock); main can.
      const [mirror] = (await readdir(path.join(d.dataDir, 'vcs'))).filter((n) => n !== 'tmp');
      const lock = path.join(d.dataDir, 'vcs', mirror ?? '', 'refs', 'tags', 'v1.1.0.lock');
      await writeFile(lock, '');
      await d.raw.expire(mod);
      assert.deepEqual(await d.source.list(mod), ['v1.0.0']);
      assert.equal((await d.source.info(mod, 'main')).Version, 'v1.0.0', 'main was not moved without its tag');
      await rm(lock);
      await d.raw.expire(mod);
      assert.deepEqual(await d.source.list(mod), ['v1.0.0', 'v1.1.0']);
      assert.equal((await d.source.info(mod, 'main')).Version, 'v1.1.0');
    } finally {
      await d.close();
    }
  });

  test('the mirror is a blob-filtered partial clone that holds blobs only once they are served', async () => {
    const d = await startDirect(git.url);
    try {
      await d.source.list(MOD);
      const [id] = await readdir(path.join(d.dataDir, 'vcs'));
      const dir = path.join(d.dataDir, 'vcs', id as string);
      const sh = async (...a: string[]) => (await promisify(execFile)('git', ['-C', dir, ...a])).stdout;
      assert.equal((await sh('config', 'remote.origin.promisor')).trim(), 'true');
      const missing = async () =>
        (await sh('rev-list', '--objects', '--no-walk', '--missing=print', 'refs/tags/v1.0.0')).split('\n').filter((l) => l.startsWith('?')).length;
      assert.equal(await missing(), 2);
      await d.zipFiles(MOD, 'v1.0.0');
      assert.equal(await missing(), 0);
    } finally {
      await d.close();
    }
  });

  test('closing stops the background blob prefetch: no git process of the mirror outlives close()', async () => {
    const mod = 'github.com/gmpfixture/closing';
    const fixture = await GitRepoBuilder.init(path.join(root, 'gmpfixture/closing'));
    await fixture.commit({ 'go.mod': `module ${mod}\n`, 'x.go': 'package closing\n' });
    await fixture.tag('v1.0.0');
    await fixture.commit({ 'x.go': 'package closing\n\n// v1.1.0\n' });
    await fixture.tag('v1.1.0');
    const d = await startDirect(git.url);
    let release = (): void => undefined;
    try {
      // The go.mod blob (the same in both versions) and the files of v1.0.0 arrive, then only the reader runs.
      await d.source.info(mod, 'v1.0.0');
      const fetching = () => gitProcessesIn(d.dataDir).filter((c) => !c.includes(' cat-file --batch'));
      await eventually(async () => fetching().length === 0, 'the first prefetch ended');
      const before = git.requests.length;
      git.hold = new Promise<void>((r) => {
        release = r;
      });
      // This .info needs nothing new; the changed x.go of v1.1.0 is prefetched behind it, and that fetch waits.
      await d.source.info(mod, 'v1.1.0');
      await eventually(async () => git.requests.slice(before).some((r) => r.startsWith('POST ')), 'the prefetch reached the server');
      assert.ok(fetching().length > 0, 'the prefetch is running');
      await d.raw.close();
      assert.deepEqual(gitProcessesIn(d.dataDir), [], 'no git process left in the mirror');
    } finally {
      release();
      git.hold = undefined;
      await d.close();
    }
  });

  test('a mirror an earlier process fetched keeps serving what it has while the remote is away, and a hash it does not hold is 502, not 404', async () => {
    const remote = await startGitServer(root);
    const first = await startDirect(remote.url);
    const vcsDir = path.join(first.dataDir, 'vcs');
    let again: DirectSource | undefined;
    let remoteUp = true;
    try {
      const list = (await first.raw.list(MOD)).toString('utf8');
      assert.match(list, /^v1\.0\.0$/m);
      const mod = await first.source.mod(MOD, 'v1.0.0');
      await first.raw.close();
      remoteUp = false;
      await remote.close();
      // A new process (a restart, or serve after warm) on the same data directory, the remote gone.
      again = new DirectSource({
        vcsDir,
        refreshIntervalMs: 60_000,
        gitTimeoutMs: 60_000,
        rewrite: [`https://${HOST}/=${remote.url}/`],
        scratchFile: (label) => first.scratch.file(label).path,
      });
      assert.equal((await again.list(MOD)).toString('utf8'), list);
      assert.equal(JSON.parse((await again.info(MOD, 'v1.0.0')).toString('utf8')).Version, 'v1.0.0');
      assert.deepEqual(await again.mod(MOD, 'v1.0.0'), mod);
      assert.equal((await again.list(MOD)).toString('utf8'), list);
      assert.equal(again.mirrorFetches, 1, 'the failed fetch is not tried again within the refresh interval');
      // A hash it does not hold may have been pushed since: with the fetch for it failed, that is the answer (502),
      // not a 404 that the go command, a `,` chain and the not-found cache would take as the repository's word.
      for (const rev of ['abcdef123456', 'abcdef1234567890abcdef1234567890abcdef12']) {
        await assert.rejects(again.info(MOD, rev), (err) => isGmpError(err, 'GMP_ERR_UPSTREAM_UNREACHABLE') && /direct: /.test(err.message));
      }
      // A repository never fetched has nothing to serve.
      await assert.rejects(again.list('github.com/gmpfixture/other'), (err) => isGmpError(err, 'GMP_ERR_UPSTREAM_UNREACHABLE'));
    } finally {
      await again?.close();
      await first.close();
      if (remoteUp) await remote.close();
    }
  });

  test('unknown revisions and repositories are 404 so that a chain falls through', async () => {
    const d = await startDirect(git.url);
    try {
      await assert.rejects(d.source.info(MOD, 'no-such-branch'), notFound(/unknown revision/));
      await assert.rejects(d.source.info(MOD, '--upload-pack=evil'), notFound(/unknown revision/));
      await assert.rejects(d.source.list('github.com/gmpfixture/absent'), notFound(/repository/));
    } finally {
      await d.close();
    }
  });
});

describe('finding the repository', () => {
  test('other version control systems answer 404 with a clear "not supported"', async () => {
    const d = await startDirect(git.url);
    try {
      await assert.rejects(d.source.list('example.com/repo.hg/sub'), notFound(/"hg" is not supported/));
      await assert.rejects(d.source.list('chiselapp.com/user/u/repository/r'), notFound(/"fossil" is not supported/));
    } finally {
      await d.close();
    }
  });

  test('go-get discovery never reaches loopback or private addresses unless allowed', async () => {
    const d = await startDirect(git.url);
    try {
      await assert.rejects(d.source.list('127.0.0.1/x'), notFound(/refusing to contact 127\.0\.0\.1/));
    } finally {
      await d.close();
    }
    const page = `<html><head><meta name="go-import" content="example.org/live git ${git.url}/gmpfixture/live"></head></html>`;
    const fetchPage = async (url: string) => (url.startsWith('https://example.org/live?go-get=1') ? page : '');
    const guarded = await startDirect(git.url, { fetchPage, rewrite: [] });
    try {
      await assert.rejects(guarded.source.list('example.org/live'), notFound(/refusing to contact 127\.0\.0\.1/));
    } finally {
      await guarded.close();
    }
    const open = await startDirect(git.url, { fetchPage, rewrite: [], allowPrivateNetworks: true });
    try {
      assert.deepEqual(await open.source.list('example.org/live'), ['v1.0.0', 'v1.1.0']);
    } finally {
      await open.close();
    }
  });

  test('a go-import mod entry sends the module to that proxy', async () => {
    const asked: string[] = [];
    const fake = { name: 'fake', list: async (p: string) => Buffer.from(`v9.9.9 for ${p}\n`) } as unknown as RawSource;
    const page =
      '<meta name="go-import" content="example.org/m mod https://proxy.example.org/base">' +
      '<meta name="go-import" content="example.org/m git https://example.org/m.git">';
    const d = await startDirect(git.url, {
      fetchPage: async () => page,
      allowPrivateNetworks: true,
      proxyFor: (url) => (asked.push(url), fake),
    });
    try {
      assert.deepEqual(await d.source.list('example.org/m/sub'), ['v9.9.9 for example.org/m/sub']);
      assert.deepEqual(asked, ['https://proxy.example.org/base']);
    } finally {
      await d.close();
    }
  });
});

describe('tags', () => {
  test('a tag of an annotated tag is peeled to its commit, as the go command reads ls-remote (v1.0.0 resolves to itself)', async () => {
    const nested = await GitRepoBuilder.init(path.join(root, 'gmpfixture/nested'));
    const mod = 'github.com/gmpfixture/nested';
    const commit = await nested.commit({ 'go.mod': `module ${mod}\n`, 'a.go': 'package nested\n' });
    await nested.tag('v1.0.0-inner', true);
    await nested.git('tag', '-a', 'v1.0.0', '-m', 'release v1.0.0, signing the inner tag', 'v1.0.0-inner');
    const d = await startDirect(git.url);
    try {
      assert.deepEqual(await d.source.list(mod), ['v1.0.0-inner', 'v1.0.0']);
      const info = await d.source.info(mod, 'v1.0.0');
      assert.equal(info.Version, 'v1.0.0');
      assert.equal(info.Origin?.Hash, commit);
      assert.equal((await d.source.info(mod, 'latest')).Version, 'v1.0.0');
      assert.deepEqual([...(await d.zipFiles(mod, 'v1.0.0')).keys()].sort(), ['a.go', 'go.mod']);
    } finally {
      await d.close();
    }
  });

  test('a tag moved after its .info was served: .mod and .zip still come from the commit that .info named', async () => {
    const moved = await GitRepoBuilder.init(path.join(root, 'gmpfixture/moved'));
    const mod = 'github.com/gmpfixture/moved';
    const first = await moved.commit({ 'go.mod': `module ${mod}\n`, 'a.go': 'package moved\n\nconst V = 1\n' });
    await moved.tag('v1.0.0');
    // What the proxy stored: the .info served first (compose.ts reads its Origin.Hash from the cache).
    let stored: string | undefined;
    const d = await startDirect(git.url, { refreshIntervalMs: 0, firstServed: async (m, v) => (m === mod && v === 'v1.0.0' ? stored : undefined) });
    try {
      stored = (await d.source.info(mod, 'v1.0.0')).Origin?.Hash;
      assert.equal(stored, first);
      await moved.commit({ 'go.mod': `module ${mod}\n\ngo 1.21\n`, 'a.go': 'package moved\n\nconst V = 2\n', 'b.go': 'package moved\n' });
      await moved.git('tag', '-f', 'v1.0.0');
      assert.notEqual((await d.source.info(mod, 'v1.0.0')).Origin?.Hash, first, 'the mirror sees the moved tag');
      const files = await d.zipFiles(mod, 'v1.0.0');
      assert.deepEqual([...files.keys()].sort(), ['a.go', 'go.mod']);
      assert.match(files.get('a.go')?.toString('utf8') ?? '', /V = 1/);
      assert.equal((await d.source.mod(mod, 'v1.0.0')).toString('utf8'), `module ${mod}\n`);
      // A stored hash the repository does not have: refused by name, never the other commit's bytes.
      stored = 'f'.repeat(40);
      await assert.rejects(d.source.mod(mod, 'v1.0.0'), /its \.info was served from is no longer in the repository/);
    } finally {
      await d.close();
    }
  });
});
