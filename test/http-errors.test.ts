// Table-driven over raw sockets: every method but GET and HEAD gets 405 with Allow before any body is
// read, and every error answer — from the router, Fastify or Node's HTTP parser — is a plain-text reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { openRaw, rawRequest } from './helpers/raw-http.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let proxy: RunningProxy;
let port = 0;

before(async () => {
  proxy = await startProxy({ upstream: 'off' });
  port = Number(new URL(proxy.url).port);
});
after(async () => {
  await proxy.close();
});

const req = (line: string, headers: string[] = [], body = '') =>
  `${line}\r\n${['Host: gmp.test', 'Connection: close', ...headers].map((h) => `${h}\r\n`).join('')}\r\n${body}`;

const LIST = '/example.com/lib/@v/list';

const METHODS: Array<[string, string]> = [
  ['TRACE', req(`TRACE ${LIST} HTTP/1.1`)],
  ['PROPFIND', req(`PROPFIND ${LIST} HTTP/1.1`, ['Depth: 1'])],
  ['MKCOL', req('MKCOL /example.com/new HTTP/1.1')],
  ['DELETE', req(`DELETE ${LIST} HTTP/1.1`)],
  ['OPTIONS *', req('OPTIONS * HTTP/1.1')],
  ['PUT with a JSON body', req(`PUT ${LIST} HTTP/1.1`, ['Content-Type: application/json', 'Content-Length: 3'], '{x}')],
  ['POST with an unknown content type', req(`POST ${LIST} HTTP/1.1`, ['Content-Type: application/x-foo', 'Content-Length: 3'], 'abc')],
  ['POST with a form body', req('POST /healthz HTTP/1.1', ['Content-Type: application/x-www-form-urlencoded', 'Content-Length: 3'], 'a=b')],
  ['POST announcing a huge body', req(`POST ${LIST} HTTP/1.1`, ['Content-Type: application/json', 'Content-Length: 999999999'], '{')],
  ['PATCH with a chunked body', req('PATCH /metrics HTTP/1.1', ['Content-Type: text/plain', 'Transfer-Encoding: chunked'], '3\r\nabc\r\n0\r\n\r\n')],
  ['POST to the checksum database', req('POST /sumdb/sum.golang.org/supported HTTP/1.1', ['Content-Length: 0'])],
  ['a custom method token', req(`FROBNICATE ${LIST} HTTP/1.1`)],
  ['CONNECT', req('CONNECT gmp.test:443 HTTP/1.1')],
];

for (const [name, request] of METHODS) {
  test(`${name} gets 405 with Allow: GET, HEAD and a plain-text reason`, async () => {
    const res = await rawRequest(port, request);
    assert.equal(res.status, 405, res.text);
    assert.equal(res.headers.allow, 'GET, HEAD', res.text);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8', res.text);
    assert.match(res.body, /^method \S+ not allowed: use GET or HEAD\n$/, res.text);
  });
}

const ERRORS: Array<[string, string, number, RegExp]> = [
  ['bad percent-encoding', req('GET /example.com/%zz/@v/list HTTP/1.1'), 400, /^bad request: /],
  ['an unknown route', req('GET / HTTP/1.1'), 404, /^not found: /],
  ['an unknown ops-like route', req('GET /healthz/extra HTTP/1.1'), 404, /^not found: /],
  ['a request target without a slash', req('GET example.com/lib/@v/list HTTP/1.1'), 400, /^bad request: /],
  ['garbage instead of a request line', 'HELLO\r\n\r\n', 400, /^bad request: /],
  ['a header name with a space', req(`GET ${LIST} HTTP/1.1`, ['Bad Header: x']), 400, /^bad request: /],
  [
    'both Content-Length and Transfer-Encoding',
    req(`GET ${LIST} HTTP/1.1`, ['Content-Length: 1', 'Transfer-Encoding: chunked'], '0\r\n\r\n'),
    400,
    /^bad request: /,
  ],
  ['an unsupported HTTP version', req(`GET ${LIST} HTTP/4.2`), 400, /^bad request: /],
  ['HTTP/1.1 without Host', `GET ${LIST} HTTP/1.1\r\nConnection: close\r\n\r\n`, 400, /^bad request: .*Host/],
  // Go's net/http refuses it too; Node alone would keep the first and drop the second.
  ['two Host headers', req(`GET ${LIST} HTTP/1.1`, ['Host: other.test']), 400, /^bad request: too many Host headers\n$/],
  ['two Host headers on the ops routes', req('GET /healthz HTTP/1.1', ['host: gmp.test']), 400, /^bad request: too many Host headers\n$/],
  ['HTTP/2 with prior knowledge', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, /^bad request: HTTP\/2 .*HTTP\/1\.1/],
  ['oversized headers', req(`GET ${LIST} HTTP/1.1`, [`X-Big: ${'a'.repeat(64 * 1024)}`]), 431, /^request header fields too large/],
];

for (const [name, request, status, reason] of ERRORS) {
  test(`${name} gets ${status} with a plain-text reason, not JSON`, async () => {
    const res = await rawRequest(port, request);
    assert.equal(res.status, status, res.text);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8', res.text);
    assert.match(res.body, reason, res.text);
    assert.match(res.body, /\n$/, res.text);
    assert.doesNotMatch(res.body, /^\s*\{/, res.text);
  });
}

test('GET and HEAD still work on the same connection after the checks', async () => {
  const res = await rawRequest(port, req('GET /healthz HTTP/1.1'));
  assert.equal(res.status, 200);
  assert.equal(res.body, 'ok\n');
  const head = await rawRequest(port, req('HEAD /healthz HTTP/1.1'));
  assert.equal(head.status, 200);
});

test('an expectation other than 100-continue is ignored (RFC 9110 §10.1.1), not answered with an empty 417', async () => {
  const res = await rawRequest(port, req('GET /healthz HTTP/1.1', ['Expect: something-else']));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body, 'ok\n');
});

test('Expect: 100-continue: a request refused before its body (405, 401) is answered at once, without a 100 Continue', async () => {
  const expect = ['Expect: 100-continue', 'Content-Type: application/zip', 'Content-Length: 1000'];
  for (const [line, status] of [
    [`PUT ${LIST} HTTP/1.1`, 405],
    ['PUT /example.com/new/@v/v1.0.0.zip HTTP/1.1', 401],
  ] as const) {
    const text = (await rawRequest(port, req(line, expect))).text;
    assert.match(text, new RegExp(`^HTTP/1\\.1 ${status} `), `${line}: ${text}`);
    assert.doesNotMatch(text, /100 Continue/, line);
  }
  // One that passes the checks is told to go on, and its body is read.
  const body = JSON.stringify({ name: 'expecting', scopes: ['read:example.com'] });
  const ok = await rawRequest(
    port,
    `POST /api/v1/admin/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
  );
  assert.match(ok.text, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /, ok.text);
});

test('a request arriving while the server shuts down gets a plain-text 503 and Connection: close, logged as a request, not an error', async () => {
  const lines: Array<{ level: number; msg: string; status?: number }> = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as (typeof lines)[number]) });
  const p = await startProxy({ upstream: 'off' }, { logger });
  // Half a request head before the shutdown starts (so the connection is not closed as idle), the rest after.
  const conn = openRaw(Number(new URL(p.url).port));
  conn.write(`GET ${LIST} HTTP/1.1\r\nHost: gmp.test\r\n`);
  await new Promise((r) => setTimeout(r, 100));
  const closed = p.close();
  await new Promise((r) => setTimeout(r, 100));
  conn.write('\r\n');
  const text = await conn.closed;
  await closed;
  assert.match(text, /^HTTP\/1\.1 503 /, text);
  assert.match(text, /content-type: text\/plain; charset=utf-8/i, text);
  assert.match(text, /connection: close/i, text);
  assert.match(text, /retry-after: 1\r\n/i, text);
  assert.match(text, /\r\n\r\nservice unavailable: shutting down\n$/, text);
  assert.deepEqual(
    lines.filter((l) => l.level >= 50).map((l) => l.msg),
    [],
    'nothing at error',
  );
  assert.ok(
    lines.some((l) => l.msg === 'request' && l.status === 503),
    JSON.stringify(lines),
  );
});
