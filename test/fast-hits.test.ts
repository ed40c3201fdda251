// Memory hits on .info and .mod are answered before Fastify (src/server/fast-hits.ts). A hook added to the
// app counts the requests that reach Fastify, so each test knows which path answered, and checks the fast
// answer is the route's answer: same status, headers and body, the same metrics, and never an answer the
// access rules (--auth private) or shutdown would have refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createServer } from '../src/app/compose.js';
import type { Server } from '../src/app/compose.js';
import { main } from '../src/cli/main.js';
import { loadConfig } from '../src/config/load.js';
import { captureIO } from './helpers/cli-io.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';

let root: string;
let up: FakeUpstream;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-fast-'));
  await writeGoproxyDir(path.join(root, 'up'), sampleModules());
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

interface Started {
  readonly url: string;
  readonly server: Server;
  readonly data: string;
  /** Requests Fastify answered. */
  routed(): number;
}

async function start(name: string, flags: Record<string, string> = {}): Promise<Started> {
  const data = path.join(root, name);
  const config = await loadConfig({
    flags: { data, listen: '127.0.0.1:0', 'log-level': 'silent', sumdb: 'off', 'own-sumdb': 'off', upstream: up.url, 'private-upstream': up.url, ...flags },
    env: {},
  });
  const server = await createServer(config, { defaultMetrics: false });
  let routed = 0;
  // onResponse runs for every answer Fastify gives, refusals by an earlier hook included.
  server.app.addHook('onResponse', (_req, _reply, done) => {
    routed++;
    done();
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, data, routed: () => routed };
}

/** Headers that say something about the answer (not the date, the connection or the per-request id). */
function answerHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of res.headers) if (!['date', 'connection', 'keep-alive', 'x-request-id'].includes(k)) out[k] = v;
  return out;
}

async function metric(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('hits answered before Fastify', () => {
  let p: Started;
  before(async () => {
    p = await start('open');
  });
  after(async () => {
    await p.server.close();
  });

  for (const file of ['/example.com/lib/@v/v1.0.0.info', '/example.com/lib/@v/v1.0.0.mod']) {
    test(`a memory hit on ${path.extname(file)} is the route's answer, byte for byte and header for header`, async () => {
      const routedBefore = p.routed();
      const miss = await fetch(p.url + file);
      const missBody = await miss.text();
      assert.equal(miss.status, 200);
      assert.equal(p.routed(), routedBefore + 1, 'the miss went through Fastify');
      const hit = await fetch(p.url + file, { headers: { 'x-request-id': 'trace-42' } });
      assert.equal(await hit.text(), missBody);
      assert.equal(p.routed(), routedBefore + 1, 'the hit did not');
      assert.deepEqual(answerHeaders(hit), answerHeaders(miss));
      assert.equal(hit.headers.get('x-request-id'), 'trace-42');
      const fresh = await fetch(p.url + file);
      await fresh.arrayBuffer();
      assert.match(fresh.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    });
  }

  test('If-None-Match answers 304 with the entity tag; HEAD answers the length without a body', async () => {
    const file = '/example.com/lib/@v/v1.1.0.info';
    const first = await fetch(p.url + file);
    const body = await first.text();
    const etag = first.headers.get('etag') as string;
    const routed = p.routed();
    const same = await fetch(p.url + file, { headers: { 'if-none-match': `"other", ${etag}` } });
    assert.equal(same.status, 304);
    assert.equal(same.headers.get('etag'), etag);
    assert.equal(await same.text(), '');
    const other = await fetch(p.url + file, { headers: { 'if-none-match': '"other"' } });
    assert.equal(other.status, 200);
    assert.equal(await other.text(), body);
    const head = await fetch(p.url + file, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(Buffer.byteLength(body)));
    assert.equal(await head.text(), '');
    assert.equal(p.routed(), routed, 'all three were answered from memory');
  });

  test('fast answers are counted in /metrics like routed ones', async () => {
    const file = '/example.com/old/@v/v1.0.0.mod';
    const before = {
      requests: await metric(p.url, 'gomodproxy_http_requests_total', 'endpoint="mod",status="200"'),
      bytes: await metric(p.url, 'gomodproxy_http_response_bytes_total', 'endpoint="mod"'),
      hits: await metric(p.url, 'gomodproxy_cache_requests_total', 'endpoint="mod",result="hit"'),
    };
    const length = (await (await fetch(p.url + file)).arrayBuffer()).byteLength;
    const routed = p.routed();
    for (let i = 0; i < 3; i++) await (await fetch(p.url + file)).arrayBuffer();
    assert.equal(p.routed(), routed);
    assert.equal(await metric(p.url, 'gomodproxy_http_requests_total', 'endpoint="mod",status="200"'), before.requests + 4);
    assert.equal(await metric(p.url, 'gomodproxy_http_response_bytes_total', 'endpoint="mod"'), before.bytes + 4 * length);
    assert.equal(await metric(p.url, 'gomodproxy_cache_requests_total', 'endpoint="mod",result="hit"'), before.hits + 3);
  });

  test('queries, unknown paths and other methods still go through the route', async () => {
    const routed = p.routed();
    assert.equal((await fetch(`${p.url}/example.com/lib/@v/master.info`)).status, 404);
    assert.equal((await fetch(`${p.url}/example.com/lib/@v/v1.0.0.info?x=1`)).status, 200);
    assert.equal((await fetch(`${p.url}/example.com/lib/@v/v1.0.0.info`, { method: 'POST' })).status, 405);
    assert.equal((await fetch(`${p.url}/Example.com/lib/@v/v1.0.0.info`)).status, 400);
    assert.equal(p.routed(), routed + 4);
  });
});

describe('hits before Fastify under --auth private', () => {
  let p: Started;
  let token: string;
  const PRIVATE = '/example.com/!upper/!case/@v/v0.1.0.info';
  before(async () => {
    p = await start('auth', { auth: 'private', private: 'example.com/Upper' });
    const c = captureIO();
    assert.equal(await main(['token', 'create', '--name', 'reader', '--scope', 'read:example.com/Upper', '--data', p.data], c.io), 0, c.text.stderr);
    token = c.text.stdout.trim();
  });
  after(async () => {
    await p.server.close();
  });

  test('a private module held in memory is still refused without a token, and served with one', async () => {
    const auth = { authorization: `Bearer ${token}` };
    assert.equal((await fetch(p.url + PRIVATE, { headers: auth })).status, 200, 'filled with the token');
    const routed = p.routed();
    const refused = await fetch(p.url + PRIVATE);
    assert.equal(refused.status, 401);
    assert.match(await refused.text(), /needs a token/);
    assert.equal((await fetch(p.url + PRIVATE, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(p.url + PRIVATE, { headers: auth })).status, 200);
    assert.equal(p.routed(), routed + 3, 'every request for a private module is checked by the hook');
  });

  test('a public module needs no token and is answered from memory', async () => {
    const file = '/example.com/lib/@v/v1.0.0.info';
    assert.equal((await fetch(p.url + file)).status, 200);
    const routed = p.routed();
    assert.equal((await fetch(p.url + file)).status, 200);
    assert.equal(p.routed(), routed);
  });
});
