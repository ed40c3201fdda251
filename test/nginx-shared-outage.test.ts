// deploy/nginx.conf in front of real replicas when something every replica shares fails: the upstream.
// Each miss is then a 502 from every replica; nginx must pass it on, not count it against the replicas
// (max_fails) and take them all out of rotation, which would answer cached modules with nginx's own 502
// ("no live upstreams") for fail_timeout: an upstream outage turned into an outage of the cache.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { startNginx, startReplica } from './helpers/replica-cluster.js';
import type { Nginx } from './helpers/replica-cluster.js';

const skip = !existsSync('/usr/sbin/nginx') && 'nginx is not installed';
let root: string;
let upstream: FakeUpstream;
let replicas: ProxyProcess[] = [];
let nginx: Nginx | undefined;

before(async () => {
  if (skip) return;
  root = await mkdtemp(path.join(tmpdir(), 'gmp-nginx-outage-'));
  upstream = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), sampleModules()));
  // Two replicas on one shared directory (fs:), as the unit starts them; one process may write a key at a time.
  const settings = { storage: `fs:${path.join(root, 'shared')}`, upstream: upstream.url, sumdb: 'off', 'own-sumdb': 'off', 'read-ahead': '0', retries: '0' };
  replicas = await Promise.all([1, 2].map(() => startReplica(root, settings, {})));
  nginx = await startNginx(
    path.join(root, 'nginx'),
    replicas.map((r) => (r as ProxyProcess & { port: number }).port),
  );
});

after(async () => {
  await nginx?.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  await upstream?.close();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

test('an upstream every replica fails on: misses get the replicas own answers and cached modules are still served', { skip }, async () => {
  const url = (nginx as Nginx).url;
  const zip = '/example.com/lib/@v/v1.0.0.zip';
  const first = await fetch(url + zip);
  assert.equal(first.status, 200);
  const bytes = Buffer.from(await first.arrayBuffer());
  // The answer goes out while the zip's durable commit finishes behind it: until it is in the shared store, the
  // other replica would fill it again (from an upstream about to fail). Cached means stored.
  const stored = path.join(root, 'shared', 'example.com', 'lib', '@v', 'v1.0.0.zip');
  await eventually(async () => existsSync(stored), 'the zip is in the shared store');
  upstream.fault = { kind: 'status', status: 500 };
  for (let i = 0; i < 8; i++) {
    const r = await fetch(`${url}/example.com/missing${i}/@v/v1.0.0.info`);
    const body = await r.text();
    assert.ok(r.status === 502 || r.status === 503, `miss ${i}: ${r.status} ${body}`);
    assert.doesNotMatch(body, /<html>/, `miss ${i}: nginx's own error page, not the replica's answer`);
    if (r.status === 503) assert.ok(r.headers.get('retry-after') !== null, `miss ${i}: a 503 without Retry-After`);
  }
  for (let i = 0; i < 4; i++) {
    const r = await fetch(url + zip);
    assert.equal(r.status, 200, `cached zip, try ${i}: ${r.status}`);
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), bytes);
  }
});
