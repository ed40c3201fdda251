// What deploy/nginx.conf sends again when a replica answers 503. A GET or HEAD is asked once more of the
// next replica (a replica shutting down, or cut off from the storage, while another serves); any other
// method is sent once only: a bundle import, a publish, a token change or a webhook may have been acted on
// by the replica that answered 503, and must not be replayed on another. The replicas here answer every
// request 503 and count what they receive, so what nginx re-sends is seen exactly.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startNginx } from './helpers/replica-cluster.js';
import type { Nginx } from './helpers/replica-cluster.js';

const skip = !existsSync('/usr/sbin/nginx') && 'nginx is not installed';
let root: string;
let nginx: Nginx | undefined;
const replicas: Server[] = [];
/** What the replicas received: `METHOD path body-bytes`, one entry per request. */
const received: string[] = [];

/** A replica that is alive (/healthz, for startNginx) and answers everything else 503 with Retry-After. */
async function unavailableReplica(): Promise<number> {
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      if (req.url === '/healthz') return void res.end('ok\n');
      received.push(`${req.method} ${req.url} ${bytes}`);
      res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' }).end('service unavailable: try later\n');
    });
  });
  replicas.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

before(async () => {
  if (skip) return;
  root = await mkdtemp(path.join(tmpdir(), 'gmp-nginx-retries-'));
  nginx = await startNginx(path.join(root, 'nginx'), [await unavailableReplica(), await unavailableReplica()]);
});

after(async () => {
  await nginx?.stop();
  for (const s of replicas) await new Promise((resolve) => s.close(resolve));
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function send(method: string, url: string, body?: string): Promise<{ status: number; retryAfter: string | null; text: string; received: string[] }> {
  received.length = 0;
  const res = await fetch((nginx as Nginx).url + url, { method, body });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text, received: [...received] };
}

test('a GET or HEAD answered 503 is asked once more of the next replica, and the second 503 reaches the client with its Retry-After', { skip }, async () => {
  for (const method of ['GET', 'HEAD']) {
    const r = await send(method, '/example.com/lib/@v/v1.0.0.zip');
    assert.deepEqual(r.received, Array(2).fill(`${method} /example.com/lib/@v/v1.0.0.zip 0`), method);
    assert.equal(r.status, 503, method);
    assert.equal(r.retryAfter, '7', method);
    assert.equal(r.text, method === 'HEAD' ? '' : 'service unavailable: try later\n');
  }
});

test('a POST, PUT, DELETE or PATCH answered 503 is sent to one replica only, whole, and its 503 reaches the client as the replica sent it', {
  skip,
}, async () => {
  const body = 'x'.repeat(100_000);
  for (const [method, url] of [
    ['POST', '/bundles'],
    ['POST', '/api/v1/admin/tokens'],
    ['POST', '/hooks/refresh'],
    ['PUT', '/example.com/new/@v/v1.0.0.zip'],
    ['DELETE', '/api/v1/admin/tokens/abc'],
    ['PATCH', '/api/v1/admin/tokens/abc'],
  ] as const) {
    const hasBody = method !== 'DELETE';
    const r = await send(method, url, hasBody ? body : undefined);
    assert.deepEqual(r.received, [`${method} ${url} ${hasBody ? body.length : 0}`], `${method} ${url}: ${r.status} ${r.text}`);
    assert.equal(r.status, 503);
    assert.equal(r.retryAfter, '7');
    assert.equal(r.text, 'service unavailable: try later\n');
  }
});
