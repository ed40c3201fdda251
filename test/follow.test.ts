// Tiers of mirrors: a child following its parent's index feed stores every version the parent stores, at
// once and through its own fill path (answered afterwards with Disable-Module-Fetch), a grandchild follows
// the child, and a child restarted in the middle of a burst ends with every version, each fetched once.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { startCountingForwarder } from './helpers/counting-forwarder.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goDownload, goEnv } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { eventually } from './helpers/eventually.js';
import { startTestSumdb } from './helpers/test-sumdb.js';

const BURST = 'example.com/burst';
const BURST_VERSIONS = Array.from({ length: 200 }, (_, i) => `v1.0.${i}`);
let root: string;
let up: FakeUpstream;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-follow-'));
  const burst = { path: BURST, versions: BURST_VERSIONS.map((version) => ({ version, files: { 'b.go': `package burst\n\n// ${version}\n` } })) };
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), [...sampleModules(), burst]));
});
after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

const cachedOnly = async (proxy: RunningProxy, p: string) => (await proxy.get(p, { 'Disable-Module-Fetch': 'true' })).status;
const follow = (parent: string) => ({ follow: parent, 'follow-interval': '200ms' });

/** `gomodproxy sync` once, from the feed `follow` through `upstream` into `data`: its exit code, stdout and stderr. */
async function runSync(o: { follow: string; upstream: string; data: string; sumdb?: string; extra?: string[]; timeoutMs?: number }) {
  const c = captureIO({ env: {}, ...(o.timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(o.timeoutMs) }) });
  const flags = ['--follow', o.follow, '--upstream', o.upstream, '--data', o.data, '--sumdb', o.sumdb ?? 'off', '--own-sumdb', 'off', '--log-level', 'silent'];
  const code = await main(['sync', ...flags, ...(o.extra ?? [])], c.io);
  return { code, out: c.text.stdout, err: c.text.stderr };
}

await forEachGo('a parent, a child following it and a grandchild following the child', (go) => {
  test('a version first fetched through the parent is stored at the child within seconds, and from there at the grandchild', async (t) => {
    const parent = await startProxy({ upstream: up.url });
    const child = await startProxy({ upstream: parent.url, ...follow(parent.url) });
    const grandchild = await startProxy({ upstream: child.url, ...follow(child.url) });
    try {
      const version = go.minor === '1.19' ? 'v1.0.0' : 'v1.1.0';
      const base = `/example.com/lib/@v/${version}`;
      assert.equal(await cachedOnly(child, `${base}.zip`), 404, 'the child does not have it before');
      const env = await goEnv(parent.url, {}, go);
      const viaParent = await goDownload(env, [`example.com/lib@${version}`]);
      assert.equal(viaParent.result.code, 0, viaParent.result.stderr);
      const ms = await eventually(async () => (await cachedOnly(child, `${base}.zip`)) === 200, 'the child has the zip');
      t.diagnostic(`stored at the child ${ms} ms after the go command finished at the parent`);
      for (const ext of ['info', 'mod']) assert.equal(await cachedOnly(child, `${base}.${ext}`), 200, `.${ext} at the child`);
      await eventually(async () => (await cachedOnly(grandchild, `${base}.zip`)) === 200, 'the grandchild has the zip');
      // The go command gets the same module from the grandchild's cache alone.
      const fromCache = await goDownload(await goEnv(`${grandchild.url}/cached-only`, {}, go), [`example.com/lib@${version}`]);
      assert.equal(fromCache.result.code, 0, fromCache.result.stderr);
      assert.equal(fromCache.downloads[0]?.Sum, viaParent.downloads[0]?.Sum);
      const lag = /gomodproxy_follow_lag_seconds\{feed="[^"]+"\} (\S+)/.exec(await (await child.get('/metrics')).text());
      assert.equal(lag?.[1], '0', 'the child reports no lag once caught up');
      await rm(env.home, { recursive: true, force: true });
    } finally {
      await grandchild.close();
      await child.close();
      await parent.close();
    }
  });
});

await forEachGo(
  'a child restarted in the middle of a burst',
  (go) => {
    test('ends with all 200 new versions, each artifact fetched from the parent exactly once', async (t) => {
      const parent = await startProxy({ upstream: up.url });
      const counted = await startCountingForwarder(parent.url);
      const data = path.join(root, 'child-data');
      const flags = { workers: '1', data, upstream: counted.url, sumdb: 'off', 'own-sumdb': 'off', retries: '0', ...follow(parent.url) };
      let child = await startProxyProcess(flags);
      const zips = () => BURST_VERSIONS.filter((v) => counted.hits.has(`/${BURST}/@v/${v}.zip`)).length;
      try {
        const env = await goEnv(parent.url, {}, go);
        const burst = goDownload(
          env,
          BURST_VERSIONS.map((v) => `${BURST}@${v}`),
        );
        await eventually(async () => zips() >= 30, 'the child has stored 30 versions');
        assert.equal(await child.stop(), 0, 'the child stops cleanly');
        const atStop = zips();
        child = await startProxyProcess(flags);
        const { result } = await burst;
        assert.equal(result.code, 0, result.stderr);
        assert.ok(atStop < 200, `the child was restarted mid-burst (it had ${atStop} of 200)`);
        await eventually(async () => zips() === 200, 'the restarted child has all 200 versions', 120_000);
        // Whatever is still running settles; then nothing may have been fetched twice.
        await new Promise((r) => setTimeout(r, 2000));
        const twice = [...counted.hits].filter(([p, n]) => p.startsWith(`/${BURST}/`) && n !== 1);
        assert.deepEqual(twice, [], 'no artifact fetched more than once');
        for (const v of BURST_VERSIONS)
          for (const ext of ['info', 'mod', 'zip']) assert.equal(counted.hits.get(`/${BURST}/@v/${v}.${ext}`), 1, `${v}.${ext} fetched once`);
        const res = await fetch(`${child.url}/${BURST}/@v/v1.0.199.zip`, { headers: { 'Disable-Module-Fetch': 'true' } });
        assert.equal(res.status, 200);
        // The restarted child resumed from its saved cursor: it never looked at the versions done before.
        const metrics = await (await fetch(`${child.url}/metrics`)).text();
        const count = (result: string) =>
          Number(new RegExp(`gomodproxy_follow_entries_total\\{feed="[^"]+",result="${result}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
        assert.equal(count('present'), 0, 'no version was looked at again');
        assert.equal(count('stored'), 200 - atStop);
        t.diagnostic(`restarted after ${atStop} of 200 versions`);
        await rm(env.home, { recursive: true, force: true });
      } finally {
        await child.stop();
        await counted.close();
        await parent.close();
      }
    });
  },
  ['1.19'],
);

test('gomodproxy sync --follow stores what the feed lists since its last run, then exits', async () => {
  const parent = await startProxy({ upstream: up.url });
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-'));
  const sync = () => runSync({ follow: parent.url, upstream: parent.url, data });
  const published = async (n: number) => (await (await parent.get('/index')).text()).split('\n').filter((l) => l !== '').length === n;
  try {
    for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await parent.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
    await eventually(() => published(2), 'the parent publishes both');
    const first = await sync();
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /: caught up: 2 stored, 0 already here/);
    const again = await sync();
    assert.match(again.out, /: caught up: 0 stored, 0 already here/, 'the second run resumes after what the first did');
    assert.equal((await parent.get('/example.com/lib/@v/v1.2.0-rc.1.zip')).status, 200);
    await eventually(() => published(3), 'the parent publishes the third');
    assert.match((await sync()).out, /: caught up: 1 stored, 0 already here/);
  } finally {
    await parent.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('gomodproxy sync says in one line when the feed cannot be read, and exits 1 when a version was skipped', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-bad-'));
  const parent = await startProxy({ upstream: up.url });
  const run = (follow: string, upstream: string) => runSync({ follow, upstream, data });
  try {
    // A parent that is not there: one line naming it as the feed (not an upstream: that one is up), no stack trace.
    const down = await run('http://127.0.0.1:9', parent.url);
    assert.equal(down.code, 1);
    assert.match(down.err, /^gomodproxy sync: feed http:\/\/127\.0\.0\.1:9 unreachable: .*\n$/);
    // The parent lists a version, but the upstream given to sync has none: skipped, and the run says so.
    assert.equal((await parent.get('/example.com/lib/@v/v1.0.0.zip')).status, 200);
    await eventually(async () => (await (await parent.get('/index')).text()).includes('v1.0.0'), 'the parent publishes it');
    const empty = await startFakeUpstream(await mkdtemp(path.join(tmpdir(), 'gmp-empty-up-')));
    try {
      const skipped = await run(parent.url, empty.url);
      assert.equal(skipped.code, 1, skipped.out + skipped.err);
      assert.match(skipped.out, /: caught up: 0 stored, 0 already here, 1 gone upstream/);
    } finally {
      await empty.close();
    }
  } finally {
    await parent.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('gomodproxy sync skips a version its own --deny rule refuses, once, and still catches up (exit 0)', async () => {
  const parent = await startProxy({ upstream: up.url });
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-deny-'));
  const sync = () => runSync({ follow: parent.url, upstream: parent.url, data, extra: ['--deny', 'example.com/lib@v1.1.0'] });
  try {
    for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await parent.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
    await eventually(async () => (await (await parent.get('/index')).text()).includes('v1.1.0'), 'the parent publishes both');
    const first = await sync();
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, /: caught up: 1 stored, 0 already here, 0 gone upstream, 1 denied by policy, 0 failed/);
    // The cursor moved past it: the next run does not ask for it again.
    const again = await sync();
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /: caught up: 0 stored, 0 already here, 0 gone upstream, 0 denied by policy/);
  } finally {
    await parent.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('gomodproxy sync skips a version no checksum database knows after a few tries, and catches up (exit 1, it failed)', async () => {
  const parent = await startProxy({ upstream: up.url });
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-unknown-'));
  // A database that knows example.com/lib v1.0.0 only.
  const known = path.join(data, 'known', 'example.com', 'lib', '@v');
  await mkdir(known, { recursive: true });
  for (const ext of ['info', 'mod', 'zip'])
    await copyFile(path.join(root, 'up', 'example.com', 'lib', '@v', `v1.0.0.${ext}`), path.join(known, `v1.0.0.${ext}`));
  const db = await startTestSumdb(path.join(data, 'known'));
  const sync = () => runSync({ follow: parent.url, upstream: parent.url, data: path.join(data, 'd'), sumdb: db.gosumdb });
  try {
    for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await parent.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
    await eventually(async () => (await (await parent.get('/index')).text()).includes('v1.1.0'), 'the parent publishes both');
    const first = await sync();
    assert.equal(first.code, 1, first.out);
    assert.match(first.out, /: caught up: 1 stored, 0 already here, 0 gone upstream, 0 denied by policy, 1 failed/);
    // Skipped, not left for the next run to stumble on again.
    const again = await sync();
    assert.equal(again.code, 0, again.out);
    assert.match(again.out, /: caught up: 0 stored, 0 already here, 0 gone upstream, 0 denied by policy, 0 failed/);
  } finally {
    await db.close();
    await parent.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('a feed that ignores since (every page the same full page) is refused as bad content instead of paged for ever', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-since-'));
  // 2000 entries (a full page, so a follower asks for more), whatever `since` says.
  const page = `${Array.from({ length: 2000 }, (_, i) =>
    JSON.stringify({ Path: 'example.com/lib', Version: 'v1.0.0', Timestamp: `2024-01-01T00:00:00.${String(i + 1).padStart(6, '0')}Z` }),
  ).join('\n')}\n`;
  let requests = 0;
  const feed = createServer((_req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(page);
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(feed.address() as AddressInfo).port}`;
  try {
    const r = await runSync({ follow: url, upstream: up.url, data, timeoutMs: 15_000 });
    assert.equal(r.code, 1);
    assert.match(r.err, /does not honour since/);
    assert.ok(requests <= 5, `${requests} requests for the same page`);
  } finally {
    await new Promise((resolve) => feed.close(resolve));
    await rm(data, { recursive: true, force: true });
  }
});

test('a feed whose entries go back in time is refused, so a version stamped before one already done is never passed over', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-backwards-'));
  // Oldest first but for lib v1.0.0, listed after a newer entry; the feed honours since.
  const entries = [
    { Path: 'example.com/lib', Version: 'v1.1.0', Timestamp: '2024-01-01T00:00:02Z' },
    { Path: 'example.com/lib', Version: 'v1.0.0', Timestamp: '2024-01-01T00:00:01Z' },
  ];
  const feed = createServer((req, res) => {
    const since = new URL(req.url ?? '/', 'http://x').searchParams.get('since');
    const page = entries.filter((e) => since === null || Date.parse(e.Timestamp) >= Date.parse(since));
    res.writeHead(200, { 'content-type': 'application/json' }).end(page.map((e) => `${JSON.stringify(e)}\n`).join(''));
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(feed.address() as AddressInfo).port}`;
  const older = '/example.com/lib/@v/v1.0.0.info';
  try {
    // The upstream cannot give the older version now: the run leaves it for the next one.
    up.faults.set(older, { kind: 'status', status: 503 });
    const first = await runSync({ follow: url, upstream: up.url, data, extra: ['--retries', '0'], timeoutMs: 60_000 });
    assert.equal(first.code, 1, first.out);
    up.faults.delete(older);
    // The next run must not say it caught up while it passed the older version over.
    const next = await runSync({ follow: url, upstream: up.url, data, extra: ['--retries', '0'], timeoutMs: 60_000 });
    assert.equal(next.code, 1, next.out);
    assert.match(next.err, /index entry stamped 2024-01-01T00:00:01Z after one stamped 2024-01-01T00:00:02Z \(the feed is not oldest first\)/);
  } finally {
    up.faults.delete(older);
    await new Promise((resolve) => feed.close(resolve));
    await rm(data, { recursive: true, force: true });
  }
});

test('entries the go command would refuse are passed over once, even a full page of them, and what follows them is stored', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-invalid-'));
  // A full page (2000) of entries with an invalid module path, then a valid one; the feed honours since and limit.
  const entries = [
    ...Array.from({ length: 2000 }, (_, i) => ({
      Path: 'example.com/bad path',
      Version: `v1.0.${i}`,
      Timestamp: `2024-01-01T00:00:00.${String(i + 1).padStart(6, '0')}Z`,
    })),
    { Path: 'example.com/lib', Version: 'v1.0.0', Timestamp: '2024-01-01T00:00:01Z' },
  ];
  const nanos = (t: string) => BigInt(Date.parse(t.replace(/\.\d+/, ''))) * 1_000_000n + BigInt((/\.(\d+)/.exec(t)?.[1] ?? '').padEnd(9, '0'));
  const feed = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const since = q.get('since');
    const page = entries.filter((e) => since === null || nanos(e.Timestamp) >= nanos(since)).slice(0, Number(q.get('limit') ?? 2000));
    res.writeHead(200, { 'content-type': 'application/json' }).end(page.map((e) => `${JSON.stringify(e)}\n`).join(''));
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(feed.address() as AddressInfo).port}`;
  try {
    const first = await runSync({ follow: url, upstream: up.url, data, timeoutMs: 60_000 });
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /: caught up: 1 stored, .* 2000 invalid/);
    // The cursor moved past them: the next run neither counts them again nor stops at them.
    const next = await runSync({ follow: url, upstream: up.url, data, timeoutMs: 60_000 });
    assert.equal(next.code, 0, next.err);
    assert.match(next.out, /: caught up: 0 stored, .* 0 invalid/);
  } finally {
    await new Promise((resolve) => feed.close(resolve));
    await rm(data, { recursive: true, force: true });
  }
});

test('gomodproxy sync ends (exit 1) when its upstream cannot be reached, and the next run stores what it left', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-down-'));
  const parent = await startProxy({ upstream: up.url });
  const run = async (upstream: string) => {
    const started = Date.now();
    const r = await runSync({ follow: parent.url, upstream, data, timeoutMs: 90_000 });
    return { ...r, ms: Date.now() - started };
  };
  try {
    assert.equal((await parent.get('/example.com/lib/@v/v1.0.0.zip')).status, 200);
    await eventually(async () => (await (await parent.get('/index')).text()).includes('v1.0.0'), 'the parent publishes it');
    const down = await run('http://127.0.0.1:9');
    assert.equal(down.code, 1, down.out);
    assert.match(down.out, /: stopped before catching up: 0 stored/);
    assert.ok(down.ms < 60_000, `sync took ${down.ms} ms`);
    const back = await run(parent.url);
    assert.equal(back.code, 0, back.out);
    assert.match(back.out, /: caught up: 1 stored/);
  } finally {
    await parent.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('a parent answering 403 is retried with backoff and logged once per run, with its address and no token; once it answers, nothing is lost', async () => {
  // The parent refuses everything, then only its modules (the feed answers), then answers.
  let stage: 'refuse all' | 'refuse modules' | 'answer' = 'refuse all';
  const asked = { index: 0, modules: 0 };
  const entries = ['v1.0.0', 'v1.1.0'].map((v, i) => ({ Path: 'example.com/lib', Version: v, Timestamp: `2024-01-01T00:00:0${i}Z` }));
  const parent = createServer((req, res) => {
    const url = req.url ?? '/';
    const isIndex = url.startsWith('/index');
    asked[isIndex ? 'index' : 'modules']++;
    if (stage === 'refuse all' || (stage === 'refuse modules' && !isIndex))
      return void res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden: the token lacks the read scope\n');
    if (!isIndex) return void fetch(up.url + url).then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())));
    const since = new URL(url, 'http://x').searchParams.get('since') ?? '';
    res.writeHead(200).end(
      entries
        .filter((e) => e.Timestamp >= since)
        .map((e) => `${JSON.stringify(e)}\n`)
        .join(''),
    );
  });
  await new Promise<void>((r) => parent.listen(0, '127.0.0.1', r));
  const address = `127.0.0.1:${(parent.address() as AddressInfo).port}`;
  const withToken = `http://follower:s3cret-token@${address}`;
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-follow-403-'));
  const child = await startProxyProcess({
    data,
    workers: '1',
    follow: withToken,
    upstream: withToken,
    'follow-interval': '200ms',
    sumdb: 'off',
    'own-sumdb': 'off',
    'log-level': 'debug',
  });
  const lines = (msg: string) => child.logs.filter((l) => l.includes(msg)).map((l) => JSON.parse(l) as Record<string, unknown>);
  const refusals = () => lines('a parent refuses this follower');
  const errors = () => refusals().filter((l) => l.level === 50);
  const answers = () => lines('the parent answers this follower again');
  const refused = async () => /gomodproxy_follow_refused\{feed="[^"]+"\} (\S+)/.exec(await (await fetch(`${child.url}/metrics`)).text())?.[1];
  try {
    // The feed refused: retried with a doubling backoff (each retry at debug), told once at error.
    await eventually(async () => refusals().length >= 4, 'the feed is asked again');
    assert.deepEqual(
      refusals()
        .slice(0, 4)
        .map((l) => l.retryInMs),
      [200, 400, 800, 1600],
    );
    assert.equal(errors().length, 1, JSON.stringify(refusals()));
    assert.equal(errors()[0]?.status, 403);
    assert.match(String(errors()[0]?.err), new RegExp(`${address.replace(/\./g, '\\.')} answered 403: forbidden: the token lacks the read scope`));
    assert.doesNotMatch(child.logs.join('\n'), /s3cret-token/, 'no token in any log line');
    assert.deepEqual(
      child.logs.filter((l) => /"level":(40|50)/.test(l) && l.includes('"feed":') && !l.includes('a parent refuses this follower')),
      [],
      'no other warning about the feed',
    );
    assert.equal(await refused(), '1');
    // The feed answers, its modules are refused: the end of one run, then one more run, each told once.
    stage = 'refuse modules';
    await eventually(async () => answers().length === 1 && errors().length === 2, 'the feed answers, the versions are refused');
    assert.match(String(errors()[1]?.version), /^v1\.[01]\.0$/);
    const modulesBefore = asked.modules;
    await eventually(async () => asked.modules > modulesBefore + 2, 'the versions are asked again');
    assert.equal(errors().length, 2);
    assert.equal(await refused(), '1');
    // The parent answers: both versions are stored (none was skipped), and that is told once.
    stage = 'answer';
    for (const v of ['v1.0.0', 'v1.1.0'])
      await eventually(
        async () => (await fetch(`${child.url}/example.com/lib/@v/${v}.zip`, { headers: { 'Disable-Module-Fetch': 'true' } })).status === 200,
        `${v} is stored`,
      );
    await eventually(async () => answers().length === 2, 'the end of the refusals is told');
    assert.equal(errors().length, 2);
    assert.equal(await refused(), '0');
    assert.ok(Number(answers()[1]?.refusals) >= 2, JSON.stringify(answers()[1]));
  } finally {
    await child.stop();
    await new Promise((r) => parent.close(r));
    await rm(data, { recursive: true, force: true });
  }
});
