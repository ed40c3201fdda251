import assert from 'node:assert/strict';
import { test } from 'node:test';
import { answerHead, parseHead } from './wire-hits.js';

const GET = 'GET /example.com/m/@v/v1.0.0.info HTTP/1.1\r\nHost: proxy.test';

test('parseHead reads a plain GET or HEAD with its Host, If-None-Match and X-Request-Id', () => {
  assert.deepEqual(parseHead(`${GET}\r\nUser-Agent: Go-http-client/1.1\r\nAccept-Encoding: gzip`), {
    method: 'GET',
    url: '/example.com/m/@v/v1.0.0.info',
    ifNoneMatch: undefined,
    requestId: undefined,
  });
  assert.deepEqual(parseHead(`HEAD /x.mod HTTP/1.1\r\nhost:p\r\nIF-NONE-MATCH:  "abc" \r\nX-Request-Id: t-1\r\nConnection: Keep-Alive`), {
    method: 'HEAD',
    url: '/x.mod',
    ifNoneMatch: '"abc"',
    requestId: 't-1',
  });
});

test('parseHead hands over everything outside its narrow grammar', () => {
  for (const head of [
    'GET /x HTTP/1.1', // no Host
    `${GET}\r\nHost: again`,
    'GET /x HTTP/1.0\r\nHost: p',
    'POST /x HTTP/1.1\r\nHost: p',
    'GET http://p/x HTTP/1.1\r\nHost: p',
    'GET /a b HTTP/1.1\r\nHost: p',
    'GET /x#f HTTP/1.1\r\nHost: p',
    `${GET}\r\nAuthorization: Bearer t`,
    `${GET}\r\nCookie: a=b`,
    `${GET}\r\nContent-Length: 0`,
    `${GET}\r\nTransfer-Encoding: chunked`,
    `${GET}\r\nExpect: 100-continue`,
    `${GET}\r\nConnection: close`,
    `${GET}\r\nConnection: Upgrade\r\nUpgrade: h2c`,
    `${GET}\r\n folded`,
    `${GET}\r\nBad Name: x`,
    `${GET}\r\nX: caf\u00e9`,
    `${GET}\r\nX: a\nb`,
    `${GET}\r\nIf-None-Match: "a"\r\nIf-None-Match: "b"`,
  ])
    assert.equal(parseHead(head), undefined, JSON.stringify(head));
});

test('answerHead writes what Node writes for writeHead with the route headers', () => {
  const hit = { kind: 'info', status: 200, id: 'r1', etag: '"e"', type: 'application/json', length: 5, body: Buffer.from('hello') } as const;
  assert.equal(
    answerHead(hit, 'Mon, 30 Nov 2026 08:00:00 GMT', 72),
    'HTTP/1.1 200 OK\r\nx-request-id: r1\r\netag: "e"\r\ncache-control: public, max-age=31536000, immutable\r\ncontent-type: application/json\r\n' +
      'content-length: 5\r\nDate: Mon, 30 Nov 2026 08:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=72\r\n\r\n',
  );
  assert.equal(
    answerHead({ ...hit, status: 304, body: undefined }, 'D', 0),
    'HTTP/1.1 304 Not Modified\r\nx-request-id: r1\r\netag: "e"\r\ncache-control: public, max-age=31536000, immutable\r\nDate: D\r\nConnection: keep-alive\r\n\r\n',
  );
});
