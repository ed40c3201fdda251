// The dashboard under access control (--auth private): a read token shows the private modules its scope
// covers and no others; an admin token may purge from another machine (a forwarded request), which without
// one only a direct loopback request may do (and the answers say which is missing: 401 or 403).
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let up: FakeUpstream;
let proxy: RunningProxy;
const tokens = { reader: '', other: '', admin: '' };
const PRIVATE = 'example.com/Upper/Case';
const FORWARDED = { 'x-forwarded-for': '203.0.113.9' };

async function createToken(name: string, ...scopes: string[]): Promise<string> {
  const c = captureIO();
  assert.equal(await main(['token', 'create', '--name', name, ...scopes.flatMap((s) => ['--scope', s]), '--data', proxy.dataDir], c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}

const modules = async (token?: string): Promise<string[]> => {
  const res = await fetch(`${proxy.url}/api/v1/modules`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return ((await res.json()) as { modules: string[] }).modules;
};

before(async () => {
  up = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-dash-auth-')), sampleModules()));
  proxy = await startProxy({ upstream: up.url, private: 'example.com/Upper', 'private-upstream': up.url, auth: 'private' });
  tokens.reader = await createToken('reader', 'read:example.com/Upper');
  tokens.other = await createToken('other', 'read:corp.example.org');
  tokens.admin = await createToken('ops', 'admin');
  const auth = { authorization: `Bearer ${tokens.reader}` };
  for (const p of ['/example.com/lib/@v/v1.0.0.zip', '/example.com/lib/@v/v1.1.0.zip']) assert.equal((await proxy.get(p)).status, 200);
  const res = await fetch(`${proxy.url}/example.com/!upper/!case/@v/v0.1.0.zip`, { headers: auth });
  assert.equal(res.status, 200, await res.text());
});

after(async () => {
  await proxy.close();
  await up.close();
});

test('a read token shows the private modules its scope covers; no token, or another scope, shows only public ones', async () => {
  // The zip was answered while its files may still be being stored (on a busy machine): the list and the
  // page show it once they are.
  await eventually(async () => (await modules(tokens.reader)).includes(PRIVATE), 'the reader sees the private module');
  assert.ok(!(await modules()).includes(PRIVATE));
  assert.ok(!(await modules(tokens.other)).includes(PRIVATE));
  assert.ok((await modules()).includes('example.com/lib'));
  const page = () => fetch(`${proxy.url}/api/v1/modules/${PRIVATE}`, { headers: { authorization: `Bearer ${tokens.reader}` } });
  await eventually(async () => (await page()).status === 200, 'the private module page answers the reader');
  assert.equal((await fetch(`${proxy.url}/api/v1/modules/${PRIVATE}`)).status, 404);
});

test('a bad token on the API is a 401 with the challenge, not an anonymous answer', async () => {
  const res = await fetch(`${proxy.url}/api/v1/modules`, { headers: { authorization: 'Bearer gmp_not-a-token' } });
  assert.equal(res.status, 401);
  assert.match(res.headers.get('www-authenticate') ?? '', /^Basic realm=/);
});

test('purging through a reverse proxy needs an admin token (401 and a Bearer challenge without one); a read token is not enough (403)', async () => {
  const target = `${proxy.url}/api/v1/admin/modules/example.com/lib/@v/v1.1.0`;
  const none = await fetch(target, { method: 'DELETE', headers: FORWARDED });
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="gomodproxy"');
  assert.match(await none.text(), /admin actions need an admin token/);
  const reader = await fetch(target, { method: 'DELETE', headers: { ...FORWARDED, authorization: `Bearer ${tokens.reader}` } });
  assert.equal(reader.status, 403);
  assert.match(await reader.text(), /token "reader" has no admin scope/);
  assert.equal((await proxy.get('/cached-only/example.com/lib/@v/v1.1.0.zip')).status, 200);
  const res = await fetch(target, { method: 'DELETE', headers: { ...FORWARDED, authorization: `Bearer ${tokens.admin}` } });
  assert.equal(res.status, 200, await res.text());
  assert.equal((await proxy.get('/cached-only/example.com/lib/@v/v1.1.0.zip')).status, 404);
});
