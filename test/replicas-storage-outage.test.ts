// The object store going away under a running replica, for real: the replica reaches the real S3 store
// (Swift) through a TCP relay this test cuts and restores (the shared store itself keeps running for other
// suites). What cannot be served is 503 with Retry-After, never a 500 or a partial body; /readyz says
// unready and why; and the replica recovers by itself once the store answers.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { freePort } from './helpers/own-service.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { service } from './helpers/services.js';

const s3 = await service('s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'GMP_TEST_S3_BUCKET']);
const target = new URL(s3.AWS_ENDPOINT_URL_S3 as string);

/** A TCP relay to the store that can be cut (connections reset, port closed) and restored on the same port. */
class Relay {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  constructor(readonly port: number) {}

  async open(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('close', () => this.#sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.#server = server;
  }

  async cut(): Promise<void> {
    const closed = new Promise((resolve) => this.#server?.close(resolve));
    for (const s of this.#sockets) s.destroy();
    await closed;
  }
}

const ZIP = (m: string) => `/example.com/${m}/@v/v1.0.0.zip`;
let root: string;
let up: FakeUpstream;
let relay: Relay;
let proxy: ProxyProcess;
let storage: string;
const sha = new Map<string, string>();

async function get(p: string): Promise<{ status: number; retryAfter: string | null; body: Buffer }> {
  const res = await fetch(proxy.url + p);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: Buffer.from(await res.arrayBuffer()) };
}

async function until(what: string, cond: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 120_000; !(await cond()); await new Promise((r) => setTimeout(r, 250)))
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-s3-outage-'));
  const mods = ['before', 'during'].map((m) => ({
    path: `example.com/${m}`,
    versions: [{ version: 'v1.0.0', files: { 'b.bin': randomBytes(64 * 1024), [`${m}.go`]: `package ${m}\n` } }],
  }));
  await writeGoproxyDir(path.join(root, 'up'), mods);
  for (const m of ['before', 'during'])
    sha.set(
      m,
      createHash('sha256')
        .update(await readFile(path.join(root, 'up', ZIP(m))))
        .digest('hex'),
    );
  up = await startFakeUpstream(path.join(root, 'up'));
  relay = new Relay(await freePort());
  await relay.open();
  const env = { ...Object.fromEntries(Object.entries(s3).filter(([k]) => k.startsWith('AWS_'))), AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${relay.port}` };
  storage = `s3://${s3.GMP_TEST_S3_BUCKET}/outage-${randomBytes(4).toString('hex')}`;
  proxy = await startProxyProcess(
    { workers: '1', data: path.join(root, 'data'), storage, 's3-force-path-style': 'on', upstream: up.url, sumdb: 'off', retries: '0', 'memory-cache': '0' },
    env,
  );
});

after(async () => {
  await proxy?.stop();
  await relay?.cut().catch(() => undefined);
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

test('storage unreachable: 503 with Retry-After for what cannot be served, /readyz unready with the reason, then back by itself', {
  timeout: 600_000,
}, async () => {
  // On a busy machine the store may answer the start's probe too late: the replica then starts unready.
  await until('/readyz is ready', async () => (await get('/readyz')).body.toString('utf8') === 'ready\n');
  const first = await get(ZIP('before'));
  assert.equal(first.status, 200, first.body.toString('utf8'));
  assert.equal(createHash('sha256').update(first.body).digest('hex'), sha.get('before'));

  await relay.cut();
  for (const p of [ZIP('before'), ZIP('during')]) {
    const r = await get(p);
    assert.equal(r.status, 503, `${p}: ${r.body.toString('utf8')}`);
    assert.ok(Number(r.retryAfter) > 0, `${p} says when to come back`);
    assert.match(r.body.toString('utf8'), /storage/);
  }
  // What the go command prints after "server response:": one line that names the storage once and says why,
  // never a credential.
  await until('requests fail at once, told by the storage guard', async () => {
    const text = (await get(ZIP('during'))).body.toString('utf8');
    assert.match(text, /^[^\n]+\n$/, JSON.stringify(text));
    assert.equal(text.split(storage).length - 1, 1, `the storage named once: ${JSON.stringify(text)}`);
    assert.match(text, /cannot be reached|no answer/, text);
    for (const secret of [s3.AWS_ACCESS_KEY_ID, s3.AWS_SECRET_ACCESS_KEY]) assert.ok(secret === undefined || !text.includes(secret), 'no credentials');
    return (await get('/readyz')).status === 503;
  });
  await until('/readyz says the storage is unreachable', async () => {
    const r = await get('/readyz');
    return r.status === 503 && r.body.toString('utf8').startsWith('unready: storage: ');
  });

  await relay.open();
  await until('/readyz is ready again', async () => (await get('/readyz')).body.toString('utf8') === 'ready\n');
  for (const m of ['before', 'during']) {
    const r = await get(ZIP(m));
    assert.equal(r.status, 200);
    assert.equal(createHash('sha256').update(r.body).digest('hex'), sha.get(m), `${m}: the whole zip, the right bytes`);
  }
});
