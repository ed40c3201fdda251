// The Admin API's tokens and pins under --auth all over https, as a remote admin uses them (every request
// here carries X-Forwarded-For, so being on this machine grants nothing): refused without an admin token,
// secrets answered once and never listed, a token made here fetching modules with the real go command until
// it is revoked, pins shared with `gomodproxy pin`, and the audit log naming who did what.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Agent } from 'undici';
import { request } from 'undici';
import { hashToken } from '../src/auth/token.js';
import { main } from '../src/cli/main.js';
import { netrcHosts } from '../src/shellenv/auth-lines.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import { goDownload, goEnv } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { makeCert } from './helpers/tls-cert.js';
import type { TestCert } from './helpers/tls-cert.js';

let tmp: string;
let cert: TestCert;
let agent: Agent;
let proxy: RunningProxy;
let audit: string;
const tokens = { admin: '', reader: '' };
const ADMIN = '/api/v1/admin';

interface Answer<T = Record<string, unknown>> {
  status: number;
  text: string;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** One API request from "elsewhere" (forwarded), with a Bearer token when given, JSON in and out. */
async function api<T = Record<string, unknown>>(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  p: string,
  o: { token?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { 'x-forwarded-for': '203.0.113.5', ...o.headers };
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  if (o.json !== undefined) headers['content-type'] = 'application/json';
  const res = await request(proxy.url + p, { method, headers, body: o.json === undefined ? undefined : JSON.stringify(o.json), dispatcher: agent });
  const text = await res.body.text();
  let body = {} as T;
  if (String(res.headers['content-type']).startsWith('application/json')) body = JSON.parse(text) as T;
  return { status: res.statusCode, text, body, headers: res.headers };
}

async function cliToken(name: string, scope: string): Promise<string> {
  const c = captureIO();
  assert.equal(await main(['token', 'create', '--name', name, '--scope', scope, '--data', proxy.dataDir], c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}

/** `go mod download` of a public module with `token` in .netrc and an empty module cache. */
async function goWith(token: string) {
  const e = await goEnv(proxy.url, { SSL_CERT_FILE: cert.cert });
  const lines = netrcHosts(new URL(proxy.url)).map((h) => `machine ${h} login anyone password ${token}\n`);
  await writeFile(path.join(e.home, '.netrc'), lines.join(''), { mode: 0o600 });
  const { result, downloads } = await goDownload(e, ['example.com/lib@v1.1.0']);
  return { ...result, out: `${result.stdout}\n${result.stderr}\n${downloads.map((d) => d.Error ?? '').join('\n')}` };
}

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-dash-admin-'));
  cert = await makeCert(tmp);
  agent = await cert.agent();
  audit = path.join(tmp, 'audit.jsonl');
  const pub = await writeGoproxyDir(path.join(tmp, 'public'), sampleModules());
  proxy = await startProxy({ upstream: `file://${pub}`, auth: 'all', 'tls-cert': cert.cert, 'tls-key': cert.key, 'audit-log': audit });
  tokens.admin = await cliToken('ops', 'admin');
  tokens.reader = await cliToken('reader', 'read:example.com');
});

after(async () => {
  await proxy.close();
  await agent.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('who may use the admin API', () => {
  const calls: Array<[Parameters<typeof api>[0], string, unknown?]> = [
    ['GET', `${ADMIN}/tokens`],
    ['POST', `${ADMIN}/tokens`, { name: 'x', scopes: ['admin'] }],
    ['DELETE', `${ADMIN}/tokens/ops`],
    ['GET', `${ADMIN}/pins`],
    ['PUT', `${ADMIN}/pins/example.com/lib/@v/v1.0.0`],
    ['DELETE', `${ADMIN}/pins/example.com/lib/@v/v1.0.0`],
  ];

  test('without a token every admin endpoint answers 401 with a Bearer challenge; with a read token, 403', async () => {
    for (const [method, p, json] of calls) {
      const none = await api(method, p, { json });
      assert.equal(none.status, 401, `${method} ${p}: ${none.text}`);
      const reader = await api(method, p, { json, token: tokens.reader });
      assert.equal(reader.status, 403, `${method} ${p}: ${reader.text}`);
      assert.match(reader.text, /token "reader" has no admin scope/);
    }
    // /api/ is a filtered route: under --auth all the auth hook itself asks for a token first (its Basic challenge).
    assert.match(String((await api('GET', `${ADMIN}/tokens`)).headers['www-authenticate']), /realm="gomodproxy"/);
    const info = await api<{ admin: boolean; tokensAccepted: boolean }>('GET', ADMIN, { token: tokens.reader });
    assert.deepEqual([info.status, info.body.admin, info.body.tokensAccepted], [200, false, true]);
  });

  test('a method an admin endpoint does not take is a 405 naming the ones it takes, not a GOPROXY 404', async () => {
    const cases: Array<[Parameters<typeof api>[0], string, string[]]> = [
      ['PUT', `${ADMIN}/tokens`, ['GET', 'HEAD', 'POST']],
      ['DELETE', `${ADMIN}/tokens`, ['GET', 'HEAD', 'POST']],
      ['POST', `${ADMIN}/tokens/ops`, ['GET', 'HEAD', 'DELETE']],
      ['POST', `${ADMIN}/pins/example.com/lib/@v/v1.0.0`, ['GET', 'HEAD', 'DELETE', 'PUT']],
      ['DELETE', `${ADMIN}/pins`, ['GET', 'HEAD']],
      ['PUT', `${ADMIN}/modules/example.com/lib/@v/v1.0.0`, ['GET', 'HEAD', 'DELETE']],
    ];
    for (const [method, p, allowed] of cases) {
      const res = await api(method, p, { token: tokens.admin });
      assert.equal(res.status, 405, `${method} ${p}: ${res.text}`);
      assert.deepEqual(String(res.headers.allow).split(', ').sort(), [...allowed].sort(), `${method} ${p}`);
    }
  });

  test('a change sent from another site is refused even with an admin token', async () => {
    const res = await api('POST', `${ADMIN}/tokens`, {
      token: tokens.admin,
      json: { name: 'csrf', scopes: ['admin'] },
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(res.status, 403, res.text);
    assert.match(res.text, /same origin/);
    const list = await api<{ tokens: Array<{ name: string }> }>('GET', `${ADMIN}/tokens`, { token: tokens.admin });
    assert.ok(!list.body.tokens.some((t) => t.name === 'csrf'));
  });

  test('the same origin is recognised whatever the case of the Host header', async () => {
    const port = new URL(proxy.url).port;
    // A body that creates nothing: past the origin check it is a 400 for the body, where a refused origin is a 403.
    const res = await api('POST', `${ADMIN}/tokens`, {
      token: tokens.admin,
      json: { name: 'samesite' },
      headers: { origin: `https://localhost:${port}`, host: `LocalHost:${port}` },
    });
    assert.equal(res.status, 400, res.text);
    assert.match(res.text, /send JSON/);
  });
});

describe('tokens', () => {
  let secret = '';

  test('an admin token creates a token: its secret is answered once, and neither it nor its hash is ever listed', async () => {
    const made = await api<{ secret: string; token: { id: string; name: string; scopes: string[]; status: string; expires?: string } }>(
      'POST',
      `${ADMIN}/tokens`,
      {
        token: tokens.admin,
        json: { name: 'ci', scopes: ['read:example.com'], expires: '90d' },
      },
    );
    assert.equal(made.status, 201, made.text);
    secret = made.body.secret;
    assert.match(secret, /^gmp_[0-9a-f]{16}_/);
    assert.deepEqual([made.body.token.name, made.body.token.scopes, made.body.token.status], ['ci', ['read:example.com'], 'active']);
    assert.ok(Date.parse(made.body.token.expires ?? '') > Date.now() + 89 * 86_400_000);
    const list = await api<{ tokens: Array<Record<string, unknown>> }>('GET', `${ADMIN}/tokens`, { token: tokens.admin });
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.tokens.map((t) => t.name).sort(), ['ci', 'ops', 'reader']);
    for (const t of list.body.tokens)
      assert.deepEqual(Object.keys(t).sort(), ['created', 'id', 'name', 'scopes', 'status', ...(t.expires ? ['expires'] : [])].sort());
    for (const s of [secret, hashToken(secret), tokens.admin, hashToken(tokens.admin)]) assert.ok(!list.text.includes(s), 'a secret or hash in the list');
  });

  test('bad names, scopes, lifetimes and bodies are 400s that say what is wrong; a name in use too', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ name: 'has space', scopes: ['admin'] }, /token name "has space": use letters/],
      [{ name: 'n1', scopes: ['write:x'] }, /scope "write:x": use read:GLOB/],
      [{ name: 'n2', scopes: [] }, /at least one/],
      [{ name: 'n3', scopes: ['admin'], expires: 'soon' }, /expires "soon": use e\.g\. 90d/],
      [{ name: 'ci', scopes: ['admin'] }, /a token named "ci" already exists/],
      [{ name: 'n4' }, /send JSON \{"name"/],
      ['just text', /send JSON/],
    ];
    for (const [json, reason] of cases) {
      const res = await api('POST', `${ADMIN}/tokens`, { token: tokens.admin, json });
      assert.equal(res.status, 400, `${JSON.stringify(json)}: ${res.text}`);
      assert.match(res.text, reason);
    }
  });

  test('the created token lets the go command download through the proxy; once revoked, the go command is refused', async () => {
    const ok = await goWith(secret);
    assert.equal(ok.code, 0, ok.out);
    const revoked = await api<{ token: { name: string; status: string } }>('DELETE', `${ADMIN}/tokens/ci`, { token: tokens.admin });
    assert.equal(revoked.status, 200, revoked.text);
    assert.deepEqual([revoked.body.token.name, revoked.body.token.status], ['ci', 'revoked']);
    // Servers remember a token's record for a few seconds: the refusal comes within them.
    let last = '';
    await eventually(async () => {
      const r = await goWith(secret);
      last = r.out;
      return r.code !== 0 && /401 Unauthorized/.test(r.out);
    }, `the go command is refused with the revoked token (last: ${last})`);
    // Asked again: still 404 (no active token has that name), saying it is revoked already, not that there is no such token.
    const again = await api('DELETE', `${ADMIN}/tokens/ci`, { token: tokens.admin });
    assert.equal(again.status, 404, 'no active token of that name left');
    assert.match(again.text, /^not found: token "ci" \(id [0-9a-f]+\) is already revoked, since \d{4}-\d\d-\d\dT[^ ]+: nothing to do\n$/);
    const none = await api('DELETE', `${ADMIN}/tokens/no-such-token`, { token: tokens.admin });
    assert.equal(none.status, 404);
    assert.equal(none.text, 'not found: no token is named or has the id "no-such-token"\n');
    const list = await api<{ tokens: Array<{ name: string; status: string }> }>('GET', `${ADMIN}/tokens`, { token: tokens.admin });
    assert.equal(list.body.tokens.find((t) => t.name === 'ci')?.status, 'revoked');
  });

  test('the audit log records who created and revoked it, never a secret', async () => {
    const lines = (await readFile(audit, 'utf8')).trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.token === 'ci');
    assert.deepEqual(
      events.map((e) => [e.event, e.by, e.client]),
      [
        // The API requests come as a reverse proxy on this machine forwards them: the client it names.
        ['token.created', 'ops', '203.0.113.5'],
        ['token.revoked', 'ops', '203.0.113.5'],
      ],
    );
    assert.ok(!lines.join('\n').includes(secret));
  });
});

describe('pins', () => {
  const pins = async () =>
    (await api<{ pins: Array<{ module: string; version: string; from: string }>; eviction: boolean }>('GET', `${ADMIN}/pins`, { token: tokens.admin })).body;
  const cliPinList = async () => {
    const c = captureIO();
    assert.equal(await main(['pin', '--list', '--data', proxy.dataDir], c.io), 0, c.text.stderr);
    return c.text.stdout.trim().split('\n').filter(Boolean);
  };

  test('PUT pins a version that `gomodproxy pin --list` shows; DELETE unpins it; unpinning what is not pinned is a 404', async () => {
    const url = `${ADMIN}/pins/example.com/Upper/Case/@v/v0.1.0`;
    const put = await api('PUT', url, { token: tokens.admin });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await pins()).pins, [{ module: 'example.com/Upper/Case', version: 'v0.1.0', from: 'pin' }]);
    // A filesystem cache keeps --cache-min-free (5 % by default): eviction may remove what is not pinned.
    assert.equal((await pins()).eviction, true);
    assert.deepEqual(await cliPinList(), ['example.com/Upper/Case@v0.1.0']);
    assert.equal((await api('DELETE', url, { token: tokens.admin })).status, 200);
    assert.deepEqual(await cliPinList(), []);
    const again = await api('DELETE', url, { token: tokens.admin });
    assert.equal(again.status, 404);
    assert.equal(again.text, 'not found: example.com/Upper/Case@v0.1.0 is not pinned (unpinned already, or never pinned): nothing to do\n');
  });

  test('a version pinned with `gomodproxy pin` is listed and can be unpinned here', async () => {
    const c = captureIO();
    assert.equal(await main(['pin', 'example.com/lib@v1.0.0', '--data', proxy.dataDir], c.io), 0, c.text.stderr);
    assert.deepEqual((await pins()).pins, [{ module: 'example.com/lib', version: 'v1.0.0', from: 'pin' }]);
    assert.equal((await api('DELETE', `${ADMIN}/pins/example.com/lib/@v/v1.0.0`, { token: tokens.admin })).status, 200);
    assert.deepEqual((await pins()).pins, []);
  });

  test('a malformed module path or a version that is not canonical or not of its major is a 400', async () => {
    for (const [p, reason] of [
      ['Example.com/lib/@v/v1.0.0', /malformed module path/],
      ['example.com/lib/@v/v1.0', /not a canonical module version/],
      ['example.com/lib/v2/@v/v1.0.0', /invalid version: should be v2/],
    ] as const) {
      const res = await api('PUT', `${ADMIN}/pins/${p}`, { token: tokens.admin });
      assert.equal(res.status, 400, `${p}: ${res.text}`);
      assert.match(res.text, reason);
    }
    assert.deepEqual((await pins()).pins, []);
    const events = (await readFile(audit, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event: string }).event);
    assert.ok(!events.includes('publish'), `a refused pin is not a refused upload: ${events.join(', ')}`);
  });
});

test('without --auth only this machine is an admin: a loopback request lists tokens, a forwarded one gets 403 saying why', async () => {
  const local = await startProxy({ upstream: 'off' });
  try {
    const here = await fetch(`${local.url}${ADMIN}/tokens`);
    assert.equal(here.status, 200, await here.text());
    const far = await fetch(`${local.url}${ADMIN}/tokens`, { headers: { 'x-forwarded-for': '203.0.113.5' } });
    assert.equal(far.status, 403);
    assert.match(await far.text(), /made on this machine straight to gomodproxy/);
    // A page whose name was re-pointed at 127.0.0.1 (DNS rebinding) is same-origin to the browser, but not this machine.
    const rebound = await request(`${local.url}${ADMIN}/tokens`, { headers: { host: 'attacker.example:80' } });
    assert.equal(rebound.statusCode, 403, await rebound.body.text());
  } finally {
    await local.close();
  }
});

test('unpinning a version a --pin-from file pins is a 404 that says so, not "not pinned"', async () => {
  const file = path.join(tmp, 'pins.txt');
  await writeFile(file, 'example.com/lib@v1.0.0\n');
  const local = await startProxy({ upstream: 'off', 'pin-from': file });
  try {
    const res = await fetch(`${local.url}${ADMIN}/pins/example.com/lib/@v/v1.0.0`, { method: 'DELETE' });
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'not found: example.com/lib@v1.0.0 is pinned by a --pin-from file of the server, not here: remove it from that file\n');
  } finally {
    await local.close();
  }
});

test('unpinning a version pinned both here and by a --pin-from file removes this pin and says the file still pins it', async () => {
  const file = path.join(tmp, 'both-pins.txt');
  await writeFile(file, 'example.com/lib@v1.1.0\n');
  const local = await startProxy({ upstream: 'off', 'pin-from': file });
  try {
    const url = `${local.url}${ADMIN}/pins/example.com/lib/@v/v1.1.0`;
    assert.equal((await fetch(url, { method: 'PUT' })).status, 200);
    const res = await fetch(url, { method: 'DELETE' });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { unpinned: { module: 'example.com/lib', version: 'v1.1.0' }, pinFrom: [file] });
    const list = (await (await fetch(`${local.url}${ADMIN}/pins`)).json()) as { pins: unknown[] };
    assert.deepEqual(list.pins, [{ module: 'example.com/lib', version: 'v1.1.0', from: 'config' }], 'still pinned, by the file');
    // A version no file lists is unpinned outright: no pinFrom.
    const other = `${local.url}${ADMIN}/pins/example.com/lib/@v/v1.0.0`;
    assert.equal((await fetch(other, { method: 'PUT' })).status, 200);
    assert.deepEqual(await (await fetch(other, { method: 'DELETE' })).json(), { unpinned: { module: 'example.com/lib', version: 'v1.0.0' } });
  } finally {
    await local.close();
  }
});
