// An upload (PUT /<module>/@v/<version>.zip) the proxy refuses before the body's end is answered at once, and the
// connection closed without reading the rest: a client uploading hundreds of MiB learns that its token is missing
// or lacks the publish scope, or that the zip is too large, after a few MiB rather than after sending everything,
// with the auth hook on the route alone (--auth off) or on every request (--auth all). And `gomodproxy publish`
// prints that answer, not the socket error of a connection closed under its upload.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { assertRefusedEarly, streamUpload } from './helpers/streamed-upload.js';

/** Far more than the sockets between client and server hold (a few MiB on loopback). */
const TOTAL = 64 * 1024 * 1024;
const ZIP = '/corp.example.com/big/@v/v1.0.0.zip';

let tmp: string;
/** A module whose zip is TOTAL bytes (its file does not compress). */
let big: string;
let off: RunningProxy;
let all: RunningProxy;
/** Tokens without the publish scope for corp.example.com/big. */
let readerOff = '';
let readerAll = '';
/** A token that may publish it. */
let publisher = '';

async function token(proxy: RunningProxy, scope: string, name = scope.replace(/\W+/g, '-')): Promise<string> {
  const r = await cli(['token', 'create', '--name', name, '--scope', scope, '--data', proxy.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-upload-early-'));
  big = path.join(tmp, 'big');
  await mkdir(big);
  await writeFile(path.join(big, 'go.mod'), 'module corp.example.com/big\n');
  await writeFile(path.join(big, 'data.bin'), randomBytes(TOTAL));
  off = await startProxy({ upstream: 'off' });
  all = await startProxy({ upstream: 'off', auth: 'all' });
  readerOff = await token(off, 'publish:other.example.com');
  readerAll = await token(all, 'read:corp.example.com');
  publisher = await token(off, 'publish:corp.example.com');
});
after(async () => {
  await off?.close();
  await all?.close();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

const head = (proxy: RunningProxy, extra: Record<string, string>, length: number) => {
  const port = new URL(proxy.url).port;
  const headers = { host: `127.0.0.1:${port}`, 'content-type': 'application/zip', 'content-length': String(length), ...extra };
  return `PUT ${ZIP} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}`;
};

describe('refused before the body ends: answered at once, the rest not read', () => {
  const bearer = (t: () => string) => () => ({ authorization: `Bearer ${t()}` });
  const cases: Array<[string, () => RunningProxy, () => Record<string, string>, number, number, RegExp]> = [
    ["--auth off and no token (the route's auth hook)", () => off, () => ({}), TOTAL, 401, /needs a token/],
    ['--auth off and a token without the publish scope', () => off, bearer(() => readerOff), TOTAL, 403, /publish/],
    ['--auth all and no token (the auth hook on every request)', () => all, () => ({}), TOTAL, 401, /needs a token/],
    ['--auth all and a token without the publish scope', () => all, bearer(() => readerAll), TOTAL, 403, /publish/],
    ['a declared length over the module zip limit', () => off, bearer(() => publisher), 600 * 1024 * 1024, 413, /at most 524288000 bytes/],
  ];
  for (const [what, proxy, extra, length, status, says] of cases) {
    test(`${what}: ${status}`, async () => {
      const r = await streamUpload(Number(new URL(proxy().url).port), head(proxy(), extra(), length), length);
      assertRefusedEarly(r, length, status, says);
    });
  }
});

describe('gomodproxy publish prints the refusal of a large upload', () => {
  const publish = (proxy: RunningProxy, token: string) => cli(['publish', big, 'v1.0.0', '--url', proxy.url], { GOMODPROXY_TOKEN: token });
  test('401 for a token that is not valid', async () => {
    const r = await publish(all, `gmp_0000000000000000_${'x'.repeat(43)}`);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /^gomodproxy publish: http:\/\/127\.0\.0\.1:\d+\/corp\.example\.com\/big\/@v\/v1\.0\.0\.zip: 401: unauthorized: .*not valid/);
  });
  test('403 for a token without the publish scope', async () => {
    const r = await publish(off, readerOff);
    assert.equal(r.code, 1, r.stdout);
    assert.match(
      r.stderr,
      /^gomodproxy publish: http:\/\/127\.0\.0\.1:\d+\/corp\.example\.com\/big\/@v\/v1\.0\.0\.zip: 403: forbidden: token "publish-other-example-com" has no publish scope for corp\.example\.com\/big\n$/,
    );
  });
});
