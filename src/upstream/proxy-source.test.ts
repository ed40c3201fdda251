// Zips from an HTTP upstream: small ones with an announced length are read into memory (no scratch file
// written), others stream into the scratch file; a body that breaks off is a network failure either way.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TEST_FETCH } from '../../test/helpers/fetch-options.js';
import { isGmpError } from '../errors.js';
import { HttpFetcher } from './http-fetcher.js';
import { ProxySource } from './proxy-source.js';

const SMALL = randomBytes(40 * 1024);
const LARGE = randomBytes(1536 * 1024);

let dir: string;
let url: string;
let close: () => Promise<void>;
let source: ProxySource;
let fetcher: HttpFetcher;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gmp-proxy-source-'));
  const server = createServer((req, res) => {
    const p = req.url ?? '';
    if (p.startsWith('/example.com/small/')) res.writeHead(200, { 'content-length': SMALL.length }).end(SMALL);
    else if (p.startsWith('/example.com/chunked/')) {
      res.writeHead(200);
      res.write(SMALL.subarray(0, 1000));
      res.end(SMALL.subarray(1000));
    } else if (p.startsWith('/example.com/large/')) res.writeHead(200, { 'content-length': LARGE.length }).end(LARGE);
    else if (p.startsWith('/example.com/cut/')) {
      // Announces the whole zip, sends half, and hangs up.
      res.writeHead(200, { 'content-length': SMALL.length });
      res.write(SMALL.subarray(0, SMALL.length / 2), () => res.socket?.destroy());
    } else res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise((r) => server.close(() => r()));
  fetcher = new HttpFetcher(url, TEST_FETCH);
  source = new ProxySource(fetcher);
});

after(async () => {
  await fetcher.close();
  await close();
  await rm(dir, { recursive: true, force: true });
});

test('a small zip of announced length comes back as its bytes, and no scratch file is written', async () => {
  const file = path.join(dir, 'small.zip');
  const got = await source.zip('example.com/small', 'v1.0.0', file);
  assert.equal(got.size, SMALL.length);
  assert.ok(got.bytes?.equals(SMALL), 'the bytes in memory');
  assert.equal(existsSync(file), false, 'no scratch file');
});

test('a zip without a length, or larger than the in-memory limit, streams into the file only', async () => {
  for (const [mod, want] of [
    ['example.com/chunked', SMALL],
    ['example.com/large', LARGE],
  ] as const) {
    const file = path.join(dir, `${path.basename(mod)}.zip`);
    const got = await source.zip(mod, 'v1.0.0', file);
    assert.equal(got.size, want.length, mod);
    assert.equal(got.bytes, undefined, mod);
    assert.ok((await readFile(file)).equals(want), mod);
  }
});

test('a small zip cut off before its announced length is a network failure (retried like one), not bad content', async () => {
  await assert.rejects(source.zip('example.com/cut', 'v1.0.0', path.join(dir, 'cut.zip')), (err: unknown) => {
    assert.ok(isGmpError(err, 'GMP_ERR_UPSTREAM_UNREACHABLE'), String(err));
    return true;
  });
});
