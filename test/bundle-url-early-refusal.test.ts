// A bundle import (POST /api/v1/admin/bundles) the proxy refuses before the body's end is answered at once, and
// the connection closed without reading the rest: a client uploading gigabytes learns it is not allowed (no admin,
// another origin, a token the auth hook refuses), that its body is too large or no bundle, or that the Content-Type
// is malformed, after a few MiB rather than after sending everything. And `bundle import --url` prints that answer,
// not the socket error of a connection closed under its upload.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { assertRefusedEarly, streamUpload } from './helpers/streamed-upload.js';

/** Far more than the sockets between client and server hold (a few MiB on loopback). */
const TOTAL = 64 * 1024 * 1024;
const API = '/api/v1/admin/bundles';

let tmp: string;
/** TOTAL bytes that are no bundle, for the command. */
let big: string;
let open_: RunningProxy;
let auth: RunningProxy;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-early-'));
  big = path.join(tmp, 'big.tar');
  const fh = await open(big, 'w');
  await fh.truncate(TOTAL);
  await fh.close();
  // The limit is half the body, so a declared length over it is refused before reading.
  open_ = await startProxy({ upstream: 'off', 'bundle-max-size': '32MiB' });
  auth = await startProxy({ upstream: 'off', auth: 'all' });
});
after(async () => {
  await open_?.close();
  await auth?.close();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

const head = (proxy: RunningProxy, extra: Record<string, string> = {}, length = TOTAL) => {
  const port = new URL(proxy.url).port;
  const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/octet-stream', 'content-length': String(length), ...extra };
  return `POST ${API} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}`;
};

describe('refused before the body ends: answered at once, the rest not read', () => {
  const cases: Array<[string, () => RunningProxy, Record<string, string>, number, RegExp]> = [
    ['no admin (a client behind a reverse proxy)', () => open_, { 'x-forwarded-for': '203.0.113.9' }, 403, /made on this machine straight to gomodproxy/],
    ['another origin', () => open_, { origin: 'http://evil.example' }, 403, /must come from this dashboard/],
    ['a malformed Content-Type', () => open_, { 'content-type': 'not a type' }, 400, /Unsupported Media Type/],
    ['a declared length over --bundle-max-size', () => open_, { 'content-length': String(TOTAL) }, 413, /at most 33554432 bytes/],
    ['no bundle (the import refuses its first bytes)', () => open_, { 'content-length': String(16 * 1024 * 1024) }, 422, /malformed tar header/],
    ['--auth all and no token (the auth hook)', () => auth, {}, 401, /needs a token/],
    ['--auth all and a wrong token', () => auth, { authorization: `Bearer gmp_0000000000000000_${'x'.repeat(43)}` }, 401, /not valid/],
  ];
  for (const [what, proxy, extra, status, says] of cases) {
    test(`${what}: ${status}`, async () => {
      const length = Number(extra['content-length'] ?? TOTAL);
      const r = await streamUpload(Number(new URL(proxy().url).port), head(proxy(), extra, length), length);
      assertRefusedEarly(r, length, status, says);
    });
  }
});

describe('bundle import --url prints the refusal of a large upload', () => {
  test('401 from the auth hook', async () => {
    const r = await cli(['bundle', 'import', big, '--url', auth.url]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^gomodproxy bundle import: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/admin\/bundles: 401: unauthorized: this path needs a token/);
  });
  test('413 for a file over --bundle-max-size', async () => {
    const r = await cli(['bundle', 'import', big, '--url', open_.url]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^gomodproxy bundle import: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/admin\/bundles: 413: request body too large: at most 33554432 bytes here\n$/,
    );
  });
  test('422 for a file that is no bundle', async () => {
    const small = await startProxy({ upstream: 'off' });
    try {
      const r = await cli(['bundle', 'import', big, '--url', small.url]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'gomodproxy bundle import: refused, nothing stored: bundle entry (archive): malformed tar header (size)\n');
    } finally {
      await small.close();
    }
  });
});
