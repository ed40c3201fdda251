// The company features in a real process tree (serve --workers 2, https, --auth all), as an operator runs
// them: a token made by `gomodproxy token create` works at once in every worker, as Basic (.netrc) or as
// Bearer (GOAUTH); without it: 401 with the challenge; a revoked token stops working; SIGHUP swaps a
// renewed certificate in every worker; and no token ever reaches the logs or /metrics.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import type { Agent } from 'undici';
import { request } from 'undici';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { makeCert } from './helpers/tls-cert.js';
import type { TestCert } from './helpers/tls-cert.js';

let tmp: string;
let data: string;
let cert: TestCert;
let agent: Agent;
let proxy: ProxyProcess;
let token = '';

async function cli(...args: string[]): Promise<string> {
  const c = captureIO();
  assert.equal(await main([...args, '--data', data], c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}

async function get(p: string, authorization?: string) {
  const r = await request(proxy.url + p, { dispatcher: agent, headers: authorization === undefined ? {} : { authorization } });
  return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
}

const basic = (t: string) => `Basic ${Buffer.from(`me:${t}`).toString('base64')}`;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-company-proc-'));
  data = path.join(tmp, 'data');
  cert = await makeCert(tmp);
  agent = await cert.agent();
  const pub = await writeGoproxyDir(path.join(tmp, 'public'), sampleModules());
  proxy = await startProxyProcess({
    data,
    workers: '2',
    upstream: `file://${pub}`,
    sumdb: 'off',
    'tls-cert': cert.cert,
    'tls-key': cert.key,
    auth: 'all',
    'log-level': 'debug',
  });
  token = await cli('token', 'create', '--name', 'ci', '--scope', 'read:example.com');
});
after(async () => {
  await agent?.close();
  await proxy?.stop();
  await rm(tmp, { recursive: true, force: true });
});

test('without credentials every module path gets 401 with the Basic challenge; health checks stay open', async () => {
  const r = await get('/example.com/lib/@v/list');
  assert.equal(r.status, 401);
  assert.equal(r.headers['www-authenticate'], 'Basic realm="gomodproxy"');
  assert.match(r.body, /needs a token/);
  assert.equal((await get('/healthz')).status, 200);
});

test('the new token works in every worker, as a .netrc password (Basic) and as a GOAUTH Bearer header', async () => {
  // Several requests, so both workers answer some (connections are spread across them).
  for (let i = 0; i < 6; i++) {
    const r = await get('/example.com/lib/@v/list', i % 2 === 0 ? basic(token) : `Bearer ${token}`);
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /v1\.0\.0/);
  }
  const other = await get('/example.org/other/@v/list', basic(token));
  assert.equal(other.status, 403, 'a path outside the read scope');
});

test('SIGHUP makes every worker serve the renewed certificate', async () => {
  const renewed = await makeCert(await mkdtemp(path.join(tmp, 'renewed-')));
  await copyFile(renewed.cert, cert.cert);
  await copyFile(renewed.key, cert.key);
  const want = new X509Certificate(await readFile(renewed.cert)).fingerprint256;
  proxy.child.kill('SIGHUP');
  const { port } = new URL(proxy.url);
  const deadline = Date.now() + 60_000;
  let streak = 0;
  while (streak < 6) {
    assert.ok(Date.now() < deadline, 'the renewed certificate was not served by every worker within a minute');
    const got = await new Promise<string>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: Number(port), rejectUnauthorized: false }, () => {
        resolve(s.getPeerX509Certificate()?.fingerprint256 ?? '');
        s.end();
      });
      s.on('error', reject);
    });
    streak = got === want ? streak + 1 : 0;
    if (streak === 0) await new Promise((r) => setTimeout(r, 200));
  }
  await agent.close();
  agent = await renewed.agent();
  assert.equal((await get('/example.com/lib/@v/list', basic(token))).status, 200, 'the renewed certificate verifies');
});

test('/metrics, read with the token, does not contain it', async () => {
  const r = await get('/metrics', basic(token));
  assert.equal(r.status, 200);
  assert.match(r.body, /gomodproxy_/);
  assert.ok(!r.body.includes(token));
});

test('a revoked token is refused within seconds', async () => {
  await cli('token', 'revoke', 'ci');
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await get('/example.com/lib/@v/list', basic(token));
    if (r.status === 401) break;
    assert.equal(r.status, 200);
    assert.ok(Date.now() < deadline, 'the revoked token still worked after a minute');
    await new Promise((res) => setTimeout(res, 500));
  }
});

test('no token reaches the logs', () => {
  assert.ok(proxy.logs.length > 0);
  const logs = proxy.logs.join('\n');
  assert.ok(!logs.includes(token), 'the token is not in the logs');
  assert.ok(!logs.includes(token.slice(21)), 'nor its secret part');
  assert.ok(!logs.includes(Buffer.from(`me:${token}`).toString('base64')), 'nor the Basic header');
});
