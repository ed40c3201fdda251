// GET /index under --auth private: public modules for everyone; a private module only for a token with read
// scope for it; a token without that scope sees what an anonymous reader sees; a wrong token is refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';

const PUBLIC = 'example.com/open';
const SECRET = 'corp.example.com/secret';
let root: string;
let up: FakeUpstream;
let proxy: ProxyProcess;
let reader: string;
let other: string;

async function index(token?: string): Promise<{ status: number; paths: string[]; challenge?: string }> {
  const res = await request(`${proxy.url}/index`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const body = await res.body.text();
  const paths =
    res.statusCode === 200
      ? body
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { Path: string }).Path)
      : [];
  return { status: res.statusCode, paths, challenge: res.headers['www-authenticate'] as string | undefined };
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-index-auth-'));
  const mods = [PUBLIC, SECRET].map((m) => ({ path: m, versions: [{ version: 'v1.0.0', files: { 'a.go': 'package a\n' } }] }));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), mods));
  const data = path.join(root, 'data');
  proxy = await startProxyProcess({
    workers: '1',
    upstream: up.url,
    private: 'corp.example.com',
    'private-upstream': up.url,
    auth: 'private',
    sumdb: 'off',
    'own-sumdb': 'off',
    'index-settle': '10ms',
    data,
  });
  const token = async (name: string, scope: string) => {
    const r = await cli(['token', 'create', '--name', name, '--scope', scope, '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  reader = await token('reader', `read:${SECRET}`);
  other = await token('other', 'read:corp.example.com/elsewhere');
  // Both versions stored (the private one fetched with the reader's token), so both are in the feed.
  for (const [m, t] of [
    [PUBLIC, undefined],
    [SECRET, reader],
  ] as const) {
    const res = await request(`${proxy.url}/${m}/@v/v1.0.0.zip`, { headers: t === undefined ? {} : { authorization: `Bearer ${t}` } });
    const body = Buffer.from(await res.body.arrayBuffer());
    assert.equal(res.statusCode, 200, body.toString());
  }
  await eventually(async () => (await index(reader)).paths.length === 2, 'both versions are published');
});

after(async () => {
  await proxy?.stop();
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

test('a private module is listed only for a token that may read it', async () => {
  assert.deepEqual((await index(reader)).paths.sort(), [PUBLIC, SECRET].sort());
  assert.deepEqual((await index()).paths, [PUBLIC], 'anonymous: public modules only');
  assert.deepEqual((await index(other)).paths, [PUBLIC], 'a token without read scope for it');
});

test('a wrong token is refused with 401 and a challenge, not served the public list', async () => {
  const r = await index(`${reader.slice(0, -2)}xx`);
  assert.equal(r.status, 401);
  assert.ok(r.challenge !== undefined, 'WWW-Authenticate');
});
