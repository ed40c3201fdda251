// Memory hits on .info and .mod are answered before Fastify (src/server/fast-hits.ts). A hook added to the
// app counts the requests that reach Fastify, so each test knows which path answered, and checks the fast
// answer is the route's answer: same status, headers and body, the same metrics, and never an answer the
// access rules (--auth private) or shutdown would have refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { connect } from 'node:net';
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

// The connection-level path (src/server/wire-hits.ts), driven over raw TCP so every byte is the test's.

interface RawAnswer {
  readonly status: string;
  /** Header lines in order, lower-cased names; date and request id blanked. */
  readonly headers: string[];
  readonly body: Buffer;
}

/** Sends `bytes` on one connection (optionally more later) and reads `n` answers; HEAD answers carry no body. */
async function raw(url: string, bytes: string, n: number, heads: readonly boolean[] = [], later?: string): Promise<RawAnswer[]> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let buf = Buffer.alloc(0);
  const answers: RawAnswer[] = [];
  try {
    await once(socket, 'connect');
    socket.write(bytes, 'latin1');
    if (later !== undefined) setTimeout(() => socket.write(later, 'latin1'), 50);
    for await (const chunk of socket) {
      buf = Buffer.concat([buf, chunk as Buffer]);
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) break;
        const lines = buf.toString('latin1', 0, end).split('\r\n');
        const fields = lines.slice(1).map((l) => {
          const i = l.indexOf(':');
          const name = l.slice(0, i).toLowerCase();
          return `${name}: ${name === 'date' || name === 'x-request-id' ? '…' : l.slice(i + 1).trim()}`;
        });
        const length = Number(fields.find((f) => f.startsWith('content-length: '))?.slice(16) ?? 0);
        const status = lines[0] as string;
        const bodyLength = heads[answers.length] === true || status.includes(' 304 ') ? 0 : length;
        if (buf.length < end + 4 + bodyLength) break;
        answers.push({ status, headers: fields, body: buf.subarray(end + 4, end + 4 + bodyLength) });
        buf = buf.subarray(end + 4 + bodyLength);
      }
      if (answers.length >= n) break;
    }
  } finally {
    socket.destroy();
  }
  assert.equal(answers.length, n, `${answers.length} of ${n} answers`);
  return answers;
}

const get = (file: string, extra = '', method = 'GET') => `${method} ${file} HTTP/1.1\r\nHost: proxy.test\r\n${extra}\r\n`;

describe('hits answered from the connection, before Node parses', () => {
  let p: Started;
  let parsed = 0;
  before(async () => {
    p = await start('wire');
    // Node emits 'request' for every request its parser reads: answers from the connection emit none.
    p.server.app.server.on('request', () => parsed++);
  });
  after(async () => {
    await p.server.close();
  });

  test('a hit is answered without Node parsing it, header for header what Node writes for the same answer', async () => {
    const file = '/example.com/lib/@v/v1.0.0.info';
    await (await fetch(p.url + file)).arrayBuffer();
    const etag = (await fetch(p.url + file)).headers.get('etag') as string;
    for (const [extra, method] of [
      ['', 'GET'],
      ['', 'HEAD'],
      [`If-None-Match: ${etag}\r\n`, 'GET'],
    ] as const) {
      const n = parsed;
      const [wire] = await raw(p.url, get(file, extra, method), 1, [method === 'HEAD']);
      assert.equal(parsed, n, `${method} ${extra}: answered from the connection`);
      // A Cookie header is outside the narrow grammar: Node parses this one, and the request-level path answers.
      const [node] = await raw(p.url, get(file, `${extra}Cookie: a=b\r\n`, method), 1, [method === 'HEAD']);
      assert.equal(parsed, n + 1, 'handed to Node');
      assert.deepEqual(wire, node);
    }
    const [fresh] = await raw(p.url, get(file), 1);
    assert.equal(fresh?.status, 'HTTP/1.1 200 OK');
    assert.equal(fresh?.body.toString(), await (await fetch(p.url + file)).text());
  });

  test('pipelined requests are answered in order when one of them needs Node (a miss), and after it', async () => {
    const hit = '/example.com/lib/@v/v1.0.0.mod';
    await (await fetch(p.url + hit)).arrayBuffer();
    const n = parsed;
    const answers = await raw(p.url, get(hit) + get('/example.com/lib/@v/v1.2.0-rc.1.mod') + get(hit) + get('/example.com/lib/@v/list'), 4);
    assert.deepEqual(
      answers.map((a) => a.status),
      ['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK', 'HTTP/1.1 200 OK'],
    );
    assert.match(answers[0]?.body.toString() ?? '', /^module example\.com\/lib/);
    assert.match(answers[1]?.body.toString() ?? '', /^module example\.com\/lib/);
    assert.equal(answers[2]?.body.toString(), answers[0]?.body.toString());
    assert.match(answers[3]?.body.toString() ?? '', /v1\.2\.0-rc\.1/);
    assert.equal(parsed, n + 3, 'the first hit was answered from the connection; the miss and all after it by Node');
  });

  test('a request split across packets, a malformed one and credentials all reach Node', async () => {
    const file = '/example.com/lib/@v/v1.1.0.info';
    const body = await (await fetch(p.url + file)).text();
    const split = get(file);
    const [a, b] = await raw(p.url, get(file) + split.slice(0, 20), 2, [], split.slice(20));
    assert.equal(a?.body.toString(), body);
    assert.equal(b?.body.toString(), body);
    const n = parsed;
    const [bad] = await raw(p.url, `GET ${file} HTTP/1.1\r\nHost: proxy.test\r\nno colon here\r\n\r\n`, 1);
    assert.match(bad?.status ?? '', /^HTTP\/1\.1 400 /);
    assert.ok(bad?.headers.includes('content-type: text/plain; charset=utf-8'));
    const [auth] = await raw(p.url, get(file, 'Authorization: Bearer x\r\n'), 1);
    assert.equal(auth?.body.toString(), body);
    const [old] = await raw(p.url, `GET ${file} HTTP/1.0\r\n\r\n`, 1);
    assert.equal(old?.body.toString(), body);
    assert.equal(parsed, n + 2, 'the malformed request never became a request; the other two did');
  });

  test('a hit asked for with two Host headers is refused with 400, not answered (as Go does)', async () => {
    const file = '/example.com/lib/@v/v1.0.0.mod';
    await (await fetch(p.url + file)).arrayBuffer();
    for (const extra of ['Host: other.test\r\n', 'host: proxy.test\r\n']) {
      const [answer] = await raw(p.url, get(file, extra), 1);
      assert.match(answer?.status ?? '', /^HTTP\/1\.1 400 /, extra);
      assert.ok(answer?.headers.includes('content-type: text/plain; charset=utf-8'), extra);
      assert.equal(answer?.body.toString(), 'bad request: too many Host headers\n', extra);
    }
  });

  test('answers from the connection are counted in /metrics', async () => {
    const file = '/example.com/old/@v/v2.0.0+incompatible.info';
    await (await fetch(p.url + file)).arrayBuffer();
    const before = await metric(p.url, 'gomodproxy_http_requests_total', 'endpoint="info",status="200"');
    const n = parsed;
    await raw(p.url, get(file) + get(file) + get(file), 3);
    assert.equal(parsed, n);
    assert.equal(await metric(p.url, 'gomodproxy_http_requests_total', 'endpoint="info",status="200"'), before + 3);
  });

  test('an idle connection held here closes after the keep-alive timeout', async () => {
    const server = p.server.app.server;
    const keep = server.keepAliveTimeout;
    server.keepAliveTimeout = 200;
    try {
      const socket = connect(Number(new URL(p.url).port), '127.0.0.1');
      await once(socket, 'connect');
      socket.write(get('/example.com/lib/@v/v1.0.0.info'));
      socket.resume();
      await once(socket, 'close');
    } finally {
      server.keepAliveTimeout = keep;
    }
  });
});

test('closing the server ends the idle connections held by the connection-level path', async () => {
  const q = await start('wire-close');
  const file = '/example.com/lib/@v/v1.0.0.info';
  await (await fetch(q.url + file)).arrayBuffer();
  const socket = connect(Number(new URL(q.url).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.write(get(file));
  const [first] = (await once(socket, 'data')) as [Buffer];
  assert.match(first.toString('latin1'), /^HTTP\/1\.1 200 OK/);
  const closed = once(socket, 'close');
  socket.resume();
  // Would hang until the keep-alive timeout (72 s) if the held connection were not ended.
  await q.server.close();
  await closed;
});
