// Integration: gomodproxy in front of a fake upstream serving fixture modules — protocol answers,
// headers, caching and one fill per artifact.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let root: string;
let upstream: FakeUpstream;
let proxy: RunningProxy;

before(async () => {
  root = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), sampleModules());
  upstream = await startFakeUpstream(root);
  proxy = await startProxy({ upstream: upstream.url });
});
after(async () => {
  await proxy.close();
  await upstream.close();
});

describe('GOPROXY protocol through the cache', () => {
  test('list answers the canonical versions, one per line', async () => {
    const res = await proxy.get('/example.com/lib/@v/list');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await res.text(), 'v1.0.0\nv1.1.0\nv1.2.0-rc.1\n');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=60');
  });

  test('a list and a query are fresh downstream as long as --list-ttl says, not longer', async () => {
    const short = await startProxy({ upstream: upstream.url, 'list-ttl': '5s' });
    try {
      for (const p of ['/example.com/lib/@v/list']) {
        const res = await short.get(p);
        assert.equal(res.status, 200, p);
        assert.equal(res.headers.get('cache-control'), 'public, max-age=5', p);
      }
    } finally {
      await short.close();
    }
  });

  test('an exact .info answers that version and is immutable', async () => {
    const res = await proxy.get('/example.com/lib/@v/v1.1.0.info');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), { Version: 'v1.1.0', Time: '2024-01-02T03:04:05Z' });
    assert.match(res.headers.get('cache-control') ?? '', /immutable/);
  });

  test('.mod and .zip are byte-identical to the upstream and served from the cache afterwards', async () => {
    for (const ext of ['mod', 'zip']) {
      const p = `/example.com/lib/@v/v1.0.0.${ext}`;
      const first = Buffer.from(await (await proxy.get(p)).arrayBuffer());
      const second = await proxy.get(p);
      assert.equal(second.status, 200);
      assert.deepEqual(Buffer.from(await second.arrayBuffer()), first);
      assert.deepEqual(first, await readFile(path.join(root, p)));
      assert.equal(upstream.count(p), 1, `${ext} fetched from upstream once`);
    }
  });

  test('case-encoded paths arrive as %21 and reach the upstream encoded', async () => {
    const res = await proxy.get('/example.com/%21upper/%21case/@v/v0.1.0.zip');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.equal(upstream.count('/example.com/!upper/!case/@v/v0.1.0.zip'), 1);
    const literal = await proxy.get('/example.com/!upper/!case/@v/v0.1.0.info');
    assert.equal(literal.status, 200, 'a literal ! is accepted too');
  });

  test('+incompatible versions are served', async () => {
    const res = await proxy.get('/example.com/old/@v/v2.0.0+incompatible.info');
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { Version: string }).Version, 'v2.0.0+incompatible');
  });

  test('@latest is relayed when the upstream has it, and 404 passes through when it has not', async () => {
    const res = await proxy.get('/example.com/lib/@latest');
    assert.equal(res.status, 404, 'the fixture upstream has no @latest file');
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
  });

  test('an unknown module is a 404 so that clients fall through', async () => {
    const res = await proxy.get('/example.com/nope/@v/list');
    assert.equal(res.status, 404);
    assert.match(await res.text(), /not found/);
  });
});

describe('HTTP semantics', () => {
  test('ETag and If-None-Match give 304 on immutable artifacts', async () => {
    for (const p of ['/example.com/lib/@v/v1.0.0.zip', '/example.com/lib/@v/v1.0.0.mod', '/example.com/lib/@v/v1.0.0.info']) {
      const res = await proxy.get(p);
      const etag = res.headers.get('etag');
      assert.match(etag ?? '', /^"[^"]+"$/);
      const again = await proxy.get(p, { 'if-none-match': etag as string });
      assert.equal(again.status, 304, p);
      assert.equal((await again.arrayBuffer()).byteLength, 0);
    }
  });

  test('Range requests on zips answer 206 with the exact bytes, 416 when out of range', async () => {
    const full = Buffer.from(await (await proxy.get('/example.com/lib/@v/v1.1.0.zip')).arrayBuffer());
    const part = await proxy.get('/example.com/lib/@v/v1.1.0.zip', { range: 'bytes=10-19' });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get('content-range'), `bytes 10-19/${full.length}`);
    assert.equal(part.headers.get('content-length'), '10');
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), full.subarray(10, 20));
    const bad = await proxy.get('/example.com/lib/@v/v1.1.0.zip', { range: `bytes=${full.length}-` });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers.get('content-range'), `bytes */${full.length}`);
  });

  test('If-Range: a matching strong ETag gives 206; another ETag, a weak one or a date gives 200 with the whole zip', async () => {
    const p = '/example.com/lib/@v/v1.1.0.zip';
    const first = await proxy.get(p);
    const full = Buffer.from(await first.arrayBuffer());
    const etag = first.headers.get('etag') as string;
    const part = await proxy.get(p, { range: 'bytes=0-9', 'if-range': etag });
    assert.equal(part.status, 206);
    assert.equal((await part.arrayBuffer()).byteLength, 10);
    for (const ifRange of ['"not-the-etag"', `W/${etag}`, 'Sun, 29 Nov 2026 10:00:00 GMT']) {
      const res = await proxy.get(p, { range: 'bytes=0-9', 'if-range': ifRange });
      assert.equal(res.status, 200, ifRange);
      assert.equal(res.headers.get('content-range'), null, ifRange);
      assert.equal(res.headers.get('content-length'), String(full.length), ifRange);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), full, ifRange);
    }
  });

  test('HEAD answers the headers of GET without a body', async () => {
    const res = await fetch(`${proxy.url}/example.com/lib/@v/v1.0.0.zip`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    const size = (await readFile(path.join(root, '/example.com/lib/@v/v1.0.0.zip'))).length;
    assert.equal(res.headers.get('content-length'), String(size));
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test('other methods get 405 with Allow', async () => {
    const res = await fetch(`${proxy.url}/example.com/lib/@v/list`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  test('every response carries a request id, echoing a valid incoming one', async () => {
    const res = await proxy.get('/healthz', { 'x-request-id': 'abc-123' });
    assert.equal(res.headers.get('x-request-id'), 'abc-123');
    assert.match((await proxy.get('/healthz')).headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  });
});

describe('cache fills', () => {
  test('100 concurrent requests for an uncached zip make exactly one upstream request', async () => {
    const p = '/example.com/lib/@v/v1.2.0-rc.1.zip';
    upstream.faults.set(p, { kind: 'delay', ms: 150 });
    const bodies = await Promise.all(Array.from({ length: 100 }, async () => Buffer.from(await (await proxy.get(p)).arrayBuffer())));
    upstream.faults.delete(p);
    assert.equal(upstream.count(p), 1);
    const want = await readFile(path.join(root, p));
    for (const b of bodies) assert.deepEqual(b, want);
  });

  test('the zip hash is stored beside the zip for checksum verification', async () => {
    assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.zip')).status, 200);
    // The answer goes out before the durable commit (hash first, then the zip), which finishes behind it.
    const file = (ext: string) => path.join(proxy.dataDir, `cache/example.com/lib/@v/v1.0.0.${ext}`);
    await eventually(async () => (await stat(file('zip')).catch(() => undefined)) !== undefined, 'the zip is stored');
    assert.match(await readFile(file('ziphash'), 'utf8'), /^h1:[A-Za-z0-9+/]{43}=$/);
  });

  test('Disable-Module-Fetch and /cached-only/ answer from the cache and never call the upstream', async () => {
    const before = upstream.total();
    const miss = await proxy.get('/example.com/lib/@v/v1.2.0-rc.1.mod', { 'disable-module-fetch': 'true' });
    assert.equal(miss.status, 404);
    const miss2 = await proxy.get('/cached-only/example.com/lib/@v/v1.2.0-rc.1.info');
    assert.equal(miss2.status, 404);
    assert.equal(upstream.total(), before, 'no upstream request');
    const hit = await proxy.get('/cached-only/example.com/lib/@v/v1.0.0.zip');
    assert.equal(hit.status, 200);
  });

  test('temp files are kept out of the cache tree', async () => {
    // Only this instance's own scratch area exists under tmp, and no fill left a file in it.
    const areas = await readdir(path.join(proxy.dataDir, 'tmp'));
    assert.equal(areas.length, 1);
    // Writes behind answers already sent (a commit, an access time) and the feed's and own database's appends
    // may be running at any moment, each with a temp file of its own while it lasts: the area must be seen
    // empty (a file a fill left would stay), not be empty at one instant chosen after that.
    const scratch = path.join(proxy.dataDir, 'tmp', areas[0] as string);
    await eventually(async () => (await readdir(scratch)).length === 0, 'no temp file is left in the scratch area');
  });
});

describe('operations', () => {
  test('/healthz, /readyz and /metrics answer', async () => {
    assert.equal((await proxy.get('/healthz')).status, 200);
    assert.equal((await proxy.get('/readyz')).status, 200);
    const text = await (await proxy.get('/metrics')).text();
    for (const name of [
      'gomodproxy_http_requests_total',
      'gomodproxy_cache_requests_total',
      'gomodproxy_http_response_bytes_total',
      'gomodproxy_upstream_request_duration_seconds',
      'gomodproxy_fills_in_flight',
      'gomodproxy_upstream_circuit_state',
    ]) {
      assert.ok(text.includes(name), name);
    }
    assert.match(text, /gomodproxy_http_requests_total\{endpoint="zip",status="200"\} \d+/);
    assert.match(text, /gomodproxy_cache_requests_total\{endpoint="zip",result="hit"\} [1-9]/);
  });
});
