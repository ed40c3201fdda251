// A version the parent stored and its policy denies afterwards (a --deny rule added later): the parent
// refuses it (403, naming the rule), so it leaves it out of /index as it does of @v/list. A follower that saw it
// listed took the 403 for a token to fix and retried it for ever: `sync` stopped before it on every run, and
// `serve --follow` stopped following at that page.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

const MOD = 'example.com/lib';
let root: string;
let up: FakeUpstream;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-follow-denied-'));
  const versions = ['v1.0.0', 'v1.1.0', 'v1.2.0'].map((version) => ({ version, files: { 'a.go': 'package a\n' } }));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), [{ path: MOD, versions }]));
});
after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

const versionsIn = async (url: string) =>
  (await (await fetch(`${url}/index`)).text())
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { Version: string }).Version);

test('a version the parent denies after storing it is left out of its feed, and a follower stores the others and catches up', async () => {
  const data = path.join(root, 'parent');
  const first = await startProxy({ upstream: up.url, 'index-settle': '10ms' }, { dataDir: data });
  try {
    for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0']) assert.equal((await first.get(`/${MOD}/@v/${v}.zip`)).status, 200);
    await eventually(async () => (await versionsIn(first.url)).length === 3, 'the parent lists all three');
  } finally {
    await first.close();
  }
  const parent = await startProxy({ upstream: up.url, deny: `${MOD}@v1.1.0` }, { dataDir: data });
  try {
    assert.equal((await parent.get(`/${MOD}/@v/v1.1.0.zip`)).status, 403);
    assert.deepEqual((await versionsIn(parent.url)).sort(), ['v1.0.0', 'v1.2.0'], 'the denied version is not listed, as in @v/list');
    const c = captureIO({ env: {}, signal: AbortSignal.timeout(60_000) });
    const flags = [
      '--follow',
      parent.url,
      '--upstream',
      parent.url,
      '--data',
      path.join(root, 'child'),
      '--sumdb',
      'off',
      '--own-sumdb',
      'off',
      '--log-level',
      'silent',
    ];
    const code = await main(['sync', ...flags], c.io);
    assert.equal(code, 0, c.text.stdout + c.text.stderr);
    assert.match(c.text.stdout, /: caught up: 2 stored, /);
  } finally {
    await parent.close();
  }
});
