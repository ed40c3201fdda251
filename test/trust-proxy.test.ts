// Behind a reverse proxy every request comes from the proxy's address. --trust-proxy (loopback by default) takes
// the client address from the X-Forwarded-For of such a peer, so the failed-login limit counts each client on its
// own (a client with bad tokens no longer locks out everybody else's) and the audit log names the client, not
// nginx. Who may administer still reads the socket's own peer: a forwarded request is never "this machine".
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let tmp: string;
let priv: string;
const SECRET = '/corp.example.com/secret/@v/list';

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-trust-proxy-'));
  priv = await writeGoproxyDir(path.join(tmp, 'private'), [
    { path: 'corp.example.com/secret', versions: [{ version: 'v1.0.0', files: { 'secret.go': 'package secret\n' } }] },
  ]);
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function withProxy(trust: string | undefined, run: (p: RunningProxy, audit: string) => Promise<void>): Promise<void> {
  const audit = path.join(tmp, `audit-${(trust ?? 'default').replace(/\W/g, '_')}.jsonl`);
  const p = await startProxy({
    upstream: 'off',
    private: 'corp.example.com',
    'private-upstream': `file://${priv}`,
    auth: 'private',
    'auth-fail-limit': '3',
    'audit-log': audit,
    ...(trust === undefined ? {} : { 'trust-proxy': trust }),
  });
  try {
    await run(p, audit);
  } finally {
    await p.close();
  }
}

/** A request with a wrong token, as a reverse proxy on this machine forwards it for `client`. */
async function badLogin(p: RunningProxy, client: string): Promise<number> {
  const res = await p.get(SECRET, { authorization: 'Bearer gmp_not-a-token', 'x-forwarded-for': client });
  await res.arrayBuffer();
  return res.status;
}

async function auditClients(file: string): Promise<string[]> {
  const lines = (await readFile(file, 'utf8')).trim().split('\n');
  return lines
    .map((l) => JSON.parse(l) as { event: string; client?: string })
    .filter((e) => e.event === 'auth.failed')
    .map((e) => e.client ?? '');
}

test('by default a loopback peer is a reverse proxy: failed logins are limited per forwarded client, and the audit log names it', async () => {
  await withProxy(undefined, async (p, audit) => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await badLogin(p, '203.0.113.7'));
    assert.deepEqual(first, [401, 401, 401, 429]);
    // Another client behind the same proxy is not locked out by the first one's failures.
    assert.equal(await badLogin(p, '198.51.100.9'), 401);
    // nginx appends its peer to what the client sent: the address nginx saw is the one taken, not a forged one.
    assert.equal(await badLogin(p, '203.0.113.7, 198.51.100.10'), 401);
    const clients = await auditClients(audit);
    assert.deepEqual(new Set(clients), new Set(['203.0.113.7', '198.51.100.9', '198.51.100.10']));
  });
});

test('--trust-proxy off: the forwarding header is ignored, every request counts against the peer', async () => {
  await withProxy('off', async (p, audit) => {
    for (let i = 0; i < 3; i++) assert.equal(await badLogin(p, '203.0.113.7'), 401);
    assert.equal(await badLogin(p, '198.51.100.9'), 429);
    assert.deepEqual(new Set(await auditClients(audit)), new Set(['127.0.0.1']));
  });
});

test('--trust-proxy with a range the peer is not in: the header is ignored', async () => {
  await withProxy('10.0.0.0/8', async (p, audit) => {
    for (let i = 0; i < 3; i++) assert.equal(await badLogin(p, '203.0.113.7'), 401);
    assert.equal(await badLogin(p, '198.51.100.9'), 429);
    assert.deepEqual(new Set(await auditClients(audit)), new Set(['127.0.0.1']));
  });
});

test('a forwarded request from the loopback peer is still no admin of this machine', async () => {
  await withProxy(undefined, async (p) => {
    const res = await fetch(`${p.url}/api/v1/admin/tokens`, { headers: { 'x-forwarded-for': '127.0.0.1' } });
    await res.arrayBuffer();
    assert.ok(res.status === 401 || res.status === 403, String(res.status));
  });
});
