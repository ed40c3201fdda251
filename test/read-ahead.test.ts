// Read-ahead (--read-ahead): a miss on a version's go.mod fills its .info and .zip in the background, so the
// go command's next requests are hits or join that fill: never a second upstream fetch, the same bytes, and
// lookups counted for clients only. Server close waits for read-ahead under way, which makes it observable
// without timing: ask, close, look at what the upstream was asked.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { goDownload, goEnv } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

let root: string;
let up: FakeUpstream;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-ra-'));
  await writeGoproxyDir(path.join(root, 'up'), sampleModules());
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

const V = '/example.com/lib/@v/v1.0.0';
const metric = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

test('a miss on a .mod fills the .info and .zip of that version before the client asks; asking then is a hit', async () => {
  const p = await startProxy({ upstream: up.url, 'read-ahead': '4' });
  const before = { info: up.count(`${V}.info`), zip: up.count(`${V}.zip`) };
  try {
    assert.equal((await p.get(`${V}.mod`)).status, 200);
    // The zip arrives with no request for it; poll the store through cached-only requests, which never fill.
    let cached = 0;
    let polls = 0;
    for (; polls < 600 && cached !== 200; polls++) {
      cached = (await p.get(`/cached-only${V}.zip`)).status;
      if (cached !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(cached, 200, 'the zip was filled without being asked for');
    const zip = await p.get(`${V}.zip`);
    assert.equal(zip.status, 200);
    const body = Buffer.from(await zip.arrayBuffer());
    assert.deepEqual(body, await readFile(path.join(root, 'up', `${V}.zip`)));
    assert.equal(up.count(`${V}.zip`), before.zip + 1);
    assert.equal(up.count(`${V}.info`), before.info + 1);
    const text = await (await p.get('/metrics')).text();
    assert.equal(metric(text, 'gomodproxy_read_ahead_total', 'result="filled"'), 1);
    // Counted are the clients' lookups only: the polls that found nothing yet, the last poll and the GET.
    assert.equal(metric(text, 'gomodproxy_cache_requests_total', 'endpoint="zip",result="miss"'), polls - 1, 'read-ahead lookups are not counted');
    assert.equal(metric(text, 'gomodproxy_cache_requests_total', 'endpoint="zip",result="hit"'), 2);
  } finally {
    await p.close();
  }
});

test('without --read-ahead only what clients ask for is fetched; cached-only requests never read ahead', async () => {
  for (const [flags, ask] of [
    [{}, '/example.com/lib/@v/v1.1.0.mod'],
    [{ 'read-ahead': '4' }, '/cached-only/example.com/lib/@v/v1.2.0-rc.1.mod'],
  ] as const) {
    const p = await startProxy({ upstream: up.url, ...flags });
    const zip = ask.replace('/cached-only', '').replace(/\.mod$/, '.zip');
    const before = up.count(zip);
    await (await p.get(ask)).arrayBuffer();
    // Closing waits for read-ahead under way: anything it would have fetched has been fetched by now.
    await p.close();
    assert.equal(up.count(zip), before, `${ask} ${JSON.stringify(flags)}`);
  }
});

test('the go command downloads through read-ahead with one upstream fetch per file and the upstream sums', async () => {
  const p = await startProxy({ upstream: up.url, 'read-ahead': '4' });
  const file = '/example.com/Upper/Case/@v/v0.1.0'.replace('Upper/Case', '!upper/!case');
  const before = { zip: up.count(`${file}.zip`), mod: up.count(`${file}.mod`), info: up.count(`${file}.info`) };
  try {
    const env = await goEnv(p.url);
    const { result, downloads } = await goDownload(env, ['example.com/Upper/Case@v0.1.0']);
    assert.equal(result.code, 0, result.stderr);
    const [d] = downloads;
    const zip = await readFile(path.join(root, 'up', `${file}.zip`));
    assert.equal(
      createHash('sha256')
        .update(await readFile(d?.Zip as string))
        .digest('hex'),
      createHash('sha256').update(zip).digest('hex'),
    );
  } finally {
    await p.close();
  }
  assert.equal(up.count(`${file}.zip`), before.zip + 1);
  assert.equal(up.count(`${file}.mod`), before.mod + 1);
  assert.equal(up.count(`${file}.info`), before.info + 1);
});
