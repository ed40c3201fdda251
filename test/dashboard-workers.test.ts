// The dashboard of `serve --workers 2` answers for the whole server: figures and downloads summed over both
// workers by the primary, a purge that every worker's memory forgets, and tokens and pins made through one
// worker that every worker lists (tokens in the primary's coordinator, pins in the shared data).
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
async function get(p: string, method = 'GET', json?: unknown): Promise<{ status: number; body: string }> {
  const port = Number(new URL(proxy.url).port);
  const body = json === undefined ? '' : JSON.stringify(json);
  const head = json === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  return rawRequest(port, `${method} ${p} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${head}Connection: close\r\n\r\n${body}`, 60_000);
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

test('a token and a pin made through one worker are listed by every worker', async () => {
  const made = await get('/api/v1/admin/tokens', 'POST', { name: 'ci', scopes: ['read:example.com'] });
  assert.equal(made.status, 201, made.body);
  assert.equal((await get('/api/v1/admin/pins/example.com/lib/@v/v1.1.0', 'PUT')).status, 200);
  for (let i = 0; i < 6; i++) {
    const tokens = JSON.parse((await get('/api/v1/admin/tokens')).body) as { tokens: Array<{ name: string; status: string }> };
    assert.deepEqual(
      tokens.tokens.map((t) => [t.name, t.status]),
      [['ci', 'active']],
    );
    const pins = JSON.parse((await get('/api/v1/admin/pins')).body) as { pins: Array<{ module: string; version: string }> };
    assert.deepEqual(pins.pins, [{ module: 'example.com/lib', version: 'v1.1.0', from: 'pin' }]);
  }
});
