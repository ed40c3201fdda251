// The dashboard of `serve --workers 2` answers for the whole server: figures and downloads summed over both
// workers by the primary, and a purge that every worker's memory forgets.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { rawRequest } from './helpers/raw-http.js';

let root: string;
let up: FakeUpstream;
let proxy: ProxyProcess;

/** One request on a connection of its own, so that requests spread over the workers. */
async function get(p: string, method = 'GET'): Promise<{ status: number; body: string }> {
  const port = Number(new URL(proxy.url).port);
  return rawRequest(port, `${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, 60_000);
}

const ZIP = '/example.com/lib/@v/v1.0.0.zip';

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-dash-workers-'));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), sampleModules()));
  proxy = await startProxyProcess({ workers: '2', upstream: up.url, sumdb: 'off', 'own-sumdb': 'off', data: path.join(root, 'data'), retries: '0' });
});
after(async () => {
  await proxy?.stop();
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

test('ops totals, processes and downloads cover both workers, whichever worker is asked', async () => {
  for (let i = 0; i < 20; i++) assert.equal((await get(ZIP)).status, 200);
  for (let i = 0; i < 4; i++) {
    const ops = JSON.parse((await get('/api/v1/ops')).body) as { processes: number; now: { requests: number; hits: number; misses: number } };
    assert.equal(ops.processes, 2);
    assert.ok(ops.now.requests >= 20, JSON.stringify(ops.now));
    assert.equal(ops.now.hits + ops.now.misses >= 20, true);
    const mod = JSON.parse((await get('/api/v1/modules/example.com/lib')).body) as { versions: Array<{ version: string; downloads: number }> };
    assert.equal(mod.versions.find((v) => v.version === 'v1.0.0')?.downloads, 20);
  }
});

test('a purge is forgotten by every worker, however many had the zip in memory', async () => {
  for (let i = 0; i < 6; i++) assert.equal((await get(`/cached-only${ZIP}`)).status, 200);
  const purge = await get('/api/v1/admin/modules/example.com/lib/@v/v1.0.0', 'DELETE');
  assert.equal(purge.status, 200, purge.body);
  for (let i = 0; i < 6; i++) assert.equal((await get(`/cached-only${ZIP}`)).status, 404, 'no worker serves it from memory');
  assert.equal((await get('/api/v1/modules/example.com/lib')).status, 404, 'nothing of the module is cached any more');
});
