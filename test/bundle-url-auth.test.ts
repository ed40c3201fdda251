// Who may import a bundle into a running proxy: with --auth on, an admin token (from anywhere) or a direct
// loopback request, the dashboard's admin rule; a read token or a request through a reverse proxy without an
// admin token is refused, a wrong token gets 401; the token never reaches the log. And the body size limit.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { dataPaths } from '../src/storage/data-dirs.js';
import { filesUnder } from './helpers/bundle-files.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { exportPlainBundle } from './helpers/bundle-fixture.js';
import { startProxy } from './helpers/proxy.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';

const API = '/api/v1/admin/bundles';
const FORWARDED = { 'x-forwarded-for': '203.0.113.9' };

let tmp: string;
let bundle: Buffer;
let data: string;
let proxy: ProxyProcess;
let admin: string;
let reader: string;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-auth-'));
  bundle = await exportPlainBundle(tmp);
  data = path.join(tmp, 'data');
  proxy = await startProxyProcess({ data, upstream: 'off', sumdb: 'off', auth: 'private', private: 'example.com/Upper' });
  const token = async (...scope: string[]) => {
    const r = await cli(['token', 'create', '--name', `t${scope.length}`, ...scope.flatMap((s) => ['--scope', s]), '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  admin = await token('admin');
  reader = await token('read:example.com', 'read:golang.org');
});
after(async () => {
  await proxy?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const post = async (headers: Record<string, string>, url = proxy.url) => {
  const r = await request(url + API, { method: 'POST', headers: { 'content-type': 'application/x-tar', ...headers }, body: bundle });
  return { status: r.statusCode, challenge: r.headers['www-authenticate'], body: await r.body.text() };
};

const storedFiles = (dir: string) => filesUnder(dataPaths(dir).cache);

test('through a reverse proxy, no token or a wrong one is refused with 401 and a challenge, a read token with 403; nothing is stored', async () => {
  const none = await post(FORWARDED);
  assert.equal(none.status, 401, none.body);
  assert.equal(none.challenge, 'Bearer realm="gomodproxy"', 'the same challenge as the dashboard’s admin actions');
  assert.match(none.body, /admin actions need an admin token/);
  const read = await post({ ...FORWARDED, authorization: `Bearer ${reader}` });
  assert.equal(read.status, 403, read.body);
  assert.match(read.body, /has no admin scope/);
  const wrong = await post({ ...FORWARDED, authorization: `Bearer ${admin.slice(0, -2)}xx` });
  assert.equal(wrong.status, 401, wrong.body);
  assert.deepEqual(await storedFiles(data), []);
});

test('an admin token imports from anywhere, and the token never reaches the log', async () => {
  const r = await post({ ...FORWARDED, authorization: `Bearer ${admin}` });
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(JSON.parse(r.body), { modules: 1, added: 1, already: 0, bytes: JSON.parse(r.body).bytes, databases: [] });
  assert.ok((await storedFiles(data)).includes('v1.0.0.zip'));
  // The CLI sends $GOMODPROXY_TOKEN as the Bearer token; importing again changes nothing.
  const again = await cli(['bundle', 'import', path.join(tmp, 'b.tar'), '--url', proxy.url], { GOMODPROXY_TOKEN: admin });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /1 module versions \(0 new, 1 already stored\)/);
  const got = await request(`${proxy.url}/example.com/lib/@v/v1.0.0.mod`);
  assert.equal(got.statusCode, 200);
  await got.body.dump();
  assert.ok(!proxy.logs.some((l) => l.includes(admin) || l.includes(reader)));
});

test('a bundle over --bundle-max-size is refused with 413 and nothing is stored', async () => {
  const small = await startProxy({ upstream: 'off', 'bundle-max-size': '1KiB' });
  try {
    const r = await post({}, small.url);
    assert.equal(r.status, 413, r.body);
    assert.match(r.body, /at most 1024 bytes/);
    assert.deepEqual(await storedFiles(small.dataDir), []);
  } finally {
    await small.close();
  }
});
