// Answers to requests that carry a token (private modules under --auth private, everything under --auth all)
// must not be kept by a shared cache in front of the proxy (a CDN, a caching reverse proxy) and handed to a
// request without one: `public` would allow exactly that (RFC 9111 §3.5), so they say `private`.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let tmp: string;
let proxy: RunningProxy;
let reader = '';
const PRIVATE = '/example.com/!upper/!case';

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-auth-caching-'));
  const dir = `file://${await writeGoproxyDir(tmp, sampleModules())}`;
  proxy = await startProxy({ upstream: dir, private: 'example.com/Upper', 'private-upstream': dir, auth: 'private', 'own-sumdb': 'on' });
  const c = captureIO();
  assert.equal(await main(['token', 'create', '--name', 'reader', '--scope', 'read:example.com/Upper', '--data', proxy.dataDir], c.io), 0, c.text.stderr);
  reader = c.text.stdout.trim();
});

after(async () => {
  await proxy.close();
  await rm(tmp, { recursive: true, force: true });
});

const cacheControl = async (p: string, token?: string): Promise<string> => {
  const res = await proxy.get(p, token === undefined ? {} : { authorization: `Bearer ${token}` });
  const body = await res.text();
  assert.equal(res.status, 200, `${p}: ${body}`);
  return res.headers.get('cache-control') ?? '';
};

test('a private module read with a token is answered private, never public, on every GOPROXY endpoint', async () => {
  for (const p of [`${PRIVATE}/@v/list`, `${PRIVATE}/@v/v0.1.0.info`, `${PRIVATE}/@v/v0.1.0.mod`, `${PRIVATE}/@v/v0.1.0.zip`]) {
    assert.match(await cacheControl(p, reader), /^private, max-age=\d+/, p);
  }
  // Again, now from the cache (memory and storage).
  assert.match(await cacheControl(`${PRIVATE}/@v/v0.1.0.zip`, reader), /^private, max-age=31536000, immutable$/);
  assert.match(await cacheControl(`${PRIVATE}/@v/v0.1.0.info`, reader), /^private, max-age=31536000, immutable$/);
});

test("the own checksum database's record of a private module, read with a token, is answered private", async () => {
  const lookup = '/sumdb/sum.gomodproxy.local/lookup/example.com/!upper/!case@v0.1.0';
  assert.equal((await proxy.get(`${PRIVATE}/@v/v0.1.0.zip`, { authorization: `Bearer ${reader}` })).status, 200);
  await eventually(async () => (await proxy.get(lookup, { authorization: `Bearer ${reader}` })).status === 200, 'the version is recorded');
  assert.match(await cacheControl(lookup, reader), /^private, /);
});

test('public modules asked without a token stay public', async () => {
  assert.equal(await cacheControl('/example.com/lib/@v/v1.0.0.zip'), 'public, max-age=31536000, immutable');
  assert.equal(await cacheControl('/example.com/lib/@v/v1.0.0.info'), 'public, max-age=31536000, immutable');
  assert.match(await cacheControl('/example.com/lib/@v/list'), /^public, max-age=\d+$/);
});
