// Integration: upstreams that are down, slow, failing or lying. Each failure reaches the client as the
// right status with no-store, and nothing bad is ever cached.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { startProxy } from './helpers/proxy.js';

let root: string;
let up: FakeUpstream;

before(async () => {
  root = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), sampleModules());
  up = await startFakeUpstream(root);
});
after(() => up.close());

async function closedPortURL(): Promise<string> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return `http://127.0.0.1:${port}`;
}

async function cachedFiles(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(path.relative(dataDir, p));
    }
  };
  // The module cache and its temp files; the checksum log and key are not module content.
  await walk(path.join(dataDir, 'cache'));
  await walk(path.join(dataDir, 'tmp'));
  return out;
}

describe('failing upstreams', () => {
  test('an upstream that is down gives 502 with no-store', async () => {
    const proxy = await startProxy({ upstream: await closedPortURL() });
    try {
      const res = await proxy.get('/example.com/lib/@v/v1.0.0.mod');
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(await res.text(), /unreachable/);
    } finally {
      await proxy.close();
    }
  });

  test('a slow upstream past the first-byte timeout gives 504', async () => {
    const proxy = await startProxy({ upstream: up.url, 'first-byte-timeout': '200ms' });
    // undici's timers tick about every 500 ms, so the delay is well past the timeout.
    up.faults.set('/example.com/lib/@v/v1.0.0.info', { kind: 'delay', ms: 2500 });
    try {
      const res = await proxy.get('/example.com/lib/@v/v1.0.0.info');
      assert.equal(res.status, 504);
      assert.match(await res.text(), /timed out/);
    } finally {
      up.faults.clear();
      await proxy.close();
    }
  });

  test('a 500 is retried with backoff, then reported as 502 naming the upstream', async () => {
    const proxy = await startProxy({ upstream: up.url, retries: '2', 'retry-backoff': '10ms' });
    const p = '/example.com/lib/@v/v1.1.0.mod';
    up.faults.set(p, { kind: 'status', status: 500, body: 'boom\n' });
    try {
      const res = await proxy.get(p);
      assert.equal(res.status, 502);
      assert.match(await res.text(), new RegExp(`upstream ${up.url} answered 500: boom`));
      assert.equal(up.count(p), 3, 'one request and two retries');
    } finally {
      up.faults.clear();
      await proxy.close();
    }
  });

  for (const [name, fault, p, pattern] of [
    ['a truncated zip body', { kind: 'truncate' }, '/example.com/lib/@v/v1.1.0.zip', /body ended early|not a valid zip|invalid/],
    ['a garbage zip', { kind: 'body', body: 'this is not a zip file' }, '/example.com/lib/@v/v1.1.0.zip', /zip/],
    ['a zip of another module', { kind: 'body', body: '' }, '/example.com/lib/@v/v1.1.0.zip', /zip/],
    ['.info naming another version', { kind: 'body', body: '{"Version":"v1.0.0"}' }, '/example.com/lib/@v/v1.1.0.info', /instead/],
    ['.info that is not JSON', { kind: 'body', body: '<html>' }, '/example.com/lib/@v/v1.1.0.info', /not JSON/],
    ['.info with a bad Time', { kind: 'body', body: '{"Version":"v1.1.0","Time":"yesterday"}' }, '/example.com/lib/@v/v1.1.0.info', /RFC 3339/],
  ] as const) {
    test(`${name} gives 502 and nothing is cached`, async () => {
      const proxy = await startProxy({ upstream: up.url });
      let f = fault as Parameters<typeof up.faults.set>[1];
      if (name === 'a zip of another module') {
        const { readFile } = await import('node:fs/promises');
        f = { kind: 'body', body: await readFile(path.join(root, '/example.com/!upper/!case/@v/v0.1.0.zip')) };
      }
      up.faults.set(p, f);
      try {
        const res = await proxy.get(p);
        assert.equal(res.status, 502);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.match(await res.text(), pattern);
        const files = await cachedFiles(proxy.dataDir);
        assert.deepEqual(
          files.filter((f) => !f.endsWith('/@v/list')),
          [],
          'nothing cached',
        );
      } finally {
        up.faults.clear();
        await proxy.close();
      }
    });
  }
});

describe('upstream chain rules', () => {
  test('after "," a 404 falls through to the next upstream, a 500 does not', async () => {
    const empty = await startFakeUpstream(await mkdtemp(path.join(tmpdir(), 'gmp-empty-')));
    const proxy = await startProxy({ upstream: `${empty.url},${up.url}` });
    try {
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.info')).status, 200);
      empty.fault = { kind: 'status', status: 500 };
      const res = await proxy.get('/example.com/lib/@v/v1.1.0.info');
      assert.equal(res.status, 502);
    } finally {
      await proxy.close();
      await empty.close();
    }
  });

  test('after "|" any error falls through', async () => {
    const broken = await startFakeUpstream(root);
    broken.fault = { kind: 'body', body: 'garbage' };
    const proxy = await startProxy({ upstream: `${broken.url}|${up.url}` });
    try {
      const res = await proxy.get('/example.com/lib/@v/v1.0.0.zip');
      assert.equal(res.status, 200);
      assert.equal(broken.count('/example.com/lib/@v/v1.0.0.zip'), 1);
    } finally {
      await proxy.close();
      await broken.close();
    }
  });

  test('"off" serves only the cache; "direct" answers 404 for a module it cannot reach', async () => {
    const off = await startProxy({ upstream: 'off' });
    const direct = await startProxy({ upstream: 'direct' });
    try {
      const a = await off.get('/example.com/lib/@v/v1.0.0.mod');
      assert.equal(a.status, 404);
      assert.match(await a.text(), /"off"/);
      const b = await direct.get('/example.com/lib/@v/v1.0.0.mod');
      assert.equal(b.status, 404);
      assert.match(await b.text(), /not found/);
    } finally {
      await off.close();
      await direct.close();
    }
  });

  test('file:// upstreams are read from disk in GOPROXY layout', async () => {
    const proxy = await startProxy({ upstream: `file://${root}` });
    try {
      const res = await proxy.get('/example.com/%21upper/%21case/@v/v0.1.0.mod');
      assert.equal(res.status, 200);
      assert.equal((await proxy.get('/example.com/none/@v/list')).status, 404);
    } finally {
      await proxy.close();
    }
  });

  test('private modules never reach a public upstream', async () => {
    const proxy = await startProxy({ upstream: up.url, private: 'example.com/lib' });
    try {
      const seen = up.total();
      for (const p of ['/example.com/lib/@v/v1.0.0.info', '/example.com/lib/@v/list', '/example.com/lib/sub/@latest']) {
        const res = await proxy.get(p);
        assert.equal(res.status, 404, p);
        assert.match(await res.text(), /not found/);
      }
      assert.equal(up.total(), seen, 'no request for a private module reached the public upstream');
      assert.equal((await proxy.get('/example.com/other/@v/v1.0.0.info')).status, 404);
      assert.equal(up.total(), seen + 1, 'public modules still go upstream');
    } finally {
      await proxy.close();
    }
  });
});

describe('resilience', () => {
  test('the circuit opens after repeated failures and the upstream is then skipped', async () => {
    const flaky = await startFakeUpstream(root);
    flaky.fault = { kind: 'status', status: 503 };
    const proxy = await startProxy({ upstream: flaky.url, 'breaker-threshold': '3', 'breaker-cooldown': '1h' });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await proxy.get(`/example.com/lib/@v/v1.0.${i}.mod`)).status, 502);
      const seen = flaky.total();
      const res = await proxy.get('/example.com/lib/@v/v1.0.9.mod');
      assert.equal(res.status, 503);
      assert.match(await res.text(), /skipped after repeated failures/);
      assert.equal(flaky.total(), seen, 'no request while open');
      const metrics = await (await proxy.get('/metrics')).text();
      assert.match(metrics, /gomodproxy_upstream_circuit_state\{upstream="[^"]+"\} 2/);
    } finally {
      await proxy.close();
      await flaky.close();
    }
  });

  test('list is served stale when every upstream fails, and refreshed when they recover', async () => {
    const src = await startFakeUpstream(root);
    const proxy = await startProxy({ upstream: src.url, 'list-ttl': '50ms' });
    try {
      assert.equal(await (await proxy.get('/example.com/lib/@v/list')).text(), 'v1.0.0\nv1.1.0\nv1.2.0-rc.1\n');
      await new Promise((r) => setTimeout(r, 80));
      src.fault = { kind: 'status', status: 500 };
      const stale = await proxy.get('/example.com/lib/@v/list');
      assert.equal(stale.status, 200);
      assert.equal(await stale.text(), 'v1.0.0\nv1.1.0\nv1.2.0-rc.1\n');
      assert.match(stale.headers.get('warning') ?? '', /stale/);
      src.fault = { kind: 'body', body: 'v1.0.0\nv1.3.0\n' };
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(await (await proxy.get('/example.com/lib/@v/list')).text(), 'v1.0.0\nv1.3.0\n');
    } finally {
      await proxy.close();
      await src.close();
    }
  });

  test('a not-found answer is remembered for the negative TTL', async () => {
    const proxy = await startProxy({ upstream: up.url, 'negative-ttl': '1h' });
    try {
      const p = '/example.com/missing/@v/list';
      assert.equal((await proxy.get(p)).status, 404);
      assert.equal((await proxy.get(p)).status, 404);
      assert.equal(up.count(p), 1);
    } finally {
      await proxy.close();
    }
  });

  test('temp files left by a killed fill are removed at start-up', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-crash-'));
    const { mkdir, writeFile } = await import('node:fs/promises');
    await mkdir(path.join(dataDir, 'tmp'), { recursive: true });
    await writeFile(path.join(dataDir, 'tmp', '123-abc.tmp'), 'partial zip');
    const proxy = await startProxy({ upstream: up.url }, { dataDir });
    try {
      // Only the new instance's empty scratch area is left.
      const areas = await readdir(path.join(dataDir, 'tmp'));
      assert.equal(areas.length, 1);
      assert.notEqual(areas[0], '123-abc.tmp');
      assert.deepEqual(await readdir(path.join(dataDir, 'tmp', areas[0] as string)), []);
      await assert.rejects(stat(path.join(dataDir, 'cache', 'example.com')));
    } finally {
      await proxy.close();
    }
  });
});
