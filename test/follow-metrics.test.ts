// A followed feed is no upstream: its pages, asked for every --follow-interval, were counted in the
// gomodproxy_upstream_* series under the parent's address (endpoint "index"), and the dashboard listed the feed
// among the upstreams. They are the feed's own series now; the upstream's series count only what fills modules.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

const MOD = 'example.com/lib';
let root: string;
let up: FakeUpstream;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-follow-metrics-'));
  const versions = [{ version: 'v1.0.0', files: { 'a.go': 'package a\n' } }];
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), [{ path: MOD, versions }]));
});
after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

/** The series of `text` (Prometheus exposition) whose labels include label="value". */
const series = (text: string, label: string, value: string) => text.split('\n').filter((l) => !l.startsWith('#') && l.includes(`${label}="${value}"`));

test("a followed feed's requests are its own metrics, never an upstream's", async () => {
  const parent = await startProxy({ upstream: up.url, 'index-settle': '10ms' });
  const child = await startProxy({ upstream: up.url, follow: parent.url, 'follow-interval': '100ms' });
  try {
    assert.equal((await parent.get(`/${MOD}/@v/v1.0.0.zip`)).status, 200);
    const cached = async () => (await child.get(`/${MOD}/@v/v1.0.0.zip`, { 'Disable-Module-Fetch': 'true' })).status === 200;
    await eventually(cached, 'the child stored the version');
    const text = await (await child.get('/metrics')).text();
    const upstreamSeries = text.split('\n').filter((l) => l.startsWith('gomodproxy_upstream_') || l.startsWith('gomodproxy_fill_deadline'));
    assert.deepEqual(
      upstreamSeries.filter((l) => l.includes(`"${parent.url}"`)),
      [],
      'the feed is not an upstream',
    );
    assert.ok(
      upstreamSeries.some((l) => l.startsWith(`gomodproxy_upstream_request_duration_seconds_count{upstream="${up.url}",endpoint="zip"}`)),
      'the upstream that filled the version is counted',
    );
    const pages = series(text, 'feed', parent.url).find((l) => l.startsWith('gomodproxy_follow_request_duration_seconds_count'));
    assert.ok(Number(pages?.split(' ')[1]) >= 1, `the feed's pages are counted as its own: ${pages}`);
  } finally {
    await child.close();
    await parent.close();
  }
});
