// A follower whose --upstream is another gomodproxy: a version the feed lists and the upstream's policy refuses
// (a --deny rule, its validation hook: 403 with X-Gomodproxy-Error GMP_ERR_POLICY_DENIED) gets that answer every
// time, so it is passed over, counted and logged once. A follower took every 403 for a token to fix and retried it
// for ever: `serve --follow` stopped at that page and `sync` never caught up. A 403 that says the follower's token
// lacks a scope is still a refusal to fix: nothing is passed over.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runCliProcess } from './helpers/cli-process.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { runCli } from './helpers/in-process-cli.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

const MOD = 'example.com/lib';
const VERSIONS = ['v1.0.0', 'v1.1.0', 'v1.2.0'];
let root: string;
let up: FakeUpstream;
/** The feed: it stored all three versions. */
let parent: RunningProxy;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-follow-upstream-policy-'));
  const versions = VERSIONS.map((version) => ({ version, files: { 'a.go': 'package a\n' } }));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), [{ path: MOD, versions }]));
  parent = await startProxy({ upstream: up.url, 'index-settle': '10ms' });
  for (const v of VERSIONS) assert.equal((await parent.get(`/${MOD}/@v/${v}.zip`)).status, 200);
  await eventually(async () => (await (await parent.get('/index')).text()).trim().split('\n').length === 3, 'the parent lists all three');
});
after(async () => {
  await parent?.close();
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

const sync = (name: string, upstream: string, extra: string[] = []) =>
  runCliProcess([
    'sync',
    ...['--follow', parent.url, '--upstream', upstream, '--data', path.join(root, name)],
    ...['--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'info', ...extra],
  ]);

test("a version the upstream's policy refuses is passed over and logged once, without its private path; the next run starts after it", async () => {
  const upstream = await startProxy({ upstream: up.url, deny: `${MOD}@v1.1.0` });
  try {
    const denied = await upstream.get(`/${MOD}/@v/v1.1.0.info`);
    assert.equal(denied.status, 403);
    assert.equal(denied.headers.get('x-gomodproxy-error'), 'GMP_ERR_POLICY_DENIED', 'the answer names its code');
    // Private here: its path must reach no log line of the follower.
    const priv = ['--private', MOD, '--private-upstream', upstream.url];
    const first = await sync('child', upstream.url, priv);
    const all = first.stdout + first.stderr;
    assert.equal(first.code, 1, `a version not stored is a run that did not store everything:\n${all}`);
    assert.match(first.stdout, /: caught up: 2 stored, .*, 1 denied by the upstream's policy/);
    assert.equal(all.split('\n').filter((l) => l.includes("refused by the upstream's policy")).length, 1, all);
    assert.doesNotMatch(all, /example\.com\/lib/);
    const again = await sync('child', upstream.url, priv);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /: caught up: 0 stored, 0 already here, /);
  } finally {
    await upstream.close();
  }
});

test('a 403 for a token without the scope still stops the follower: nothing is passed over', async () => {
  const data = path.join(root, 'scoped');
  const upstream = await startProxy({ upstream: up.url, auth: 'all' }, { dataDir: data });
  try {
    const t = await runCli(['token', 'create', '--name', 'edge', '--scope', 'read:other.example.com', '--data', data]);
    assert.equal(t.code, 0, t.stderr);
    const withToken = upstream.url.replace('://', `://edge:${t.stdout.trim()}@`);
    const r = await sync('child-scoped', withToken);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /: stopped before catching up: 0 stored, /);
    assert.doesNotMatch(r.stdout, /denied by the upstream's policy/);
    assert.match(r.stdout + r.stderr, /a parent refuses this follower/);
  } finally {
    await upstream.close();
  }
});
