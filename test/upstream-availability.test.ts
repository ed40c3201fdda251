// Integration: availability of upstreams. One bad module cannot open the circuit for everyone; an open
// circuit is probed in the background and closes when the upstream recovers; a `|` group asks its fastest
// member first while `,` keeps the written order; a body cut off mid-way is retried like a network error.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let root: string;

before(async () => {
  root = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-avail-')), sampleModules());
});

/** Polls /metrics until `pattern` shows up (or fails after a generous while). */
async function metricsUntil(proxy: RunningProxy, pattern: RegExp): Promise<string> {
  let text = '';
  for (let i = 0; i < 300; i++) {
    text = await (await proxy.get('/metrics')).text();
    if (pattern.test(text)) return text;
    await sleep(100);
  }
  assert.fail(
    `metrics never matched ${pattern}:\n${text
      .split('\n')
      .filter((l) => l.includes('upstream'))
      .join('\n')}`,
  );
}

describe('the circuit breaker', () => {
  let up: FakeUpstream;
  before(async () => {
    up = await startFakeUpstream(root);
  });
  after(() => up.close());

  test('a module whose upstream answers 500 on every path does not open the circuit for other modules', async () => {
    const proxy = await startProxy({ upstream: up.url, 'breaker-threshold': '3', 'breaker-cooldown': '1h' });
    const bad = ['/example.com/lib/@v/list', '/example.com/lib/@v/v1.0.0.info', '/example.com/lib/@v/v1.0.0.mod', '/example.com/lib/@v/v1.1.0.zip'];
    for (const p of bad) up.faults.set(p, { kind: 'status', status: 500, body: 'internal error for this module\n' });
    try {
      for (let round = 0; round < 3; round++) {
        for (const p of bad) {
          const res = await proxy.get(p);
          assert.equal(res.status, 502, p);
          assert.match(await res.text(), /answered 500: internal error for this module/);
        }
      }
      const other = await proxy.get('/example.com/!upper/!case/@v/v0.1.0.mod');
      assert.equal(other.status, 200, 'another module is still fetched');
      assert.match(await (await proxy.get('/metrics')).text(), /gomodproxy_upstream_circuit_state\{upstream="[^"]+"\} 0/);
    } finally {
      up.faults.clear();
      await proxy.close();
    }
  });

  test('an upstream that refuses connections opens the circuit after the threshold', async () => {
    const down = await startFakeUpstream(root);
    const url = down.url;
    await down.close();
    const proxy = await startProxy({ upstream: url, 'breaker-threshold': '2', 'breaker-cooldown': '1h' });
    try {
      assert.equal(await (await proxy.get('/readyz')).text(), 'ready\n');
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.mod')).status, 502);
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.mod')).status, 502);
      const res = await proxy.get('/example.com/lib/@v/v1.1.0.mod');
      assert.equal(res.status, 503);
      assert.match(await res.text(), /skipped after repeated failures \(retry in \d+s\)/);
      // Retry-After is what is left of the hour's cooldown.
      const after = Number(res.headers.get('retry-after'));
      assert.ok(after > 3500 && after <= 3600, `retry-after: ${res.headers.get('retry-after')}`);
      // Still ready (the cache serves), but degraded, and says which upstream is skipped.
      const ready = await proxy.get('/readyz');
      assert.equal(ready.status, 200);
      assert.equal(ready.headers.get('x-gomodproxy-degraded'), 'upstream');
      assert.match(await ready.text(), /^degraded: upstream: http:\/\/127\.0\.0\.1:\d+ is skipped after repeated failures \(retry in \d+s\)\n$/);
    } finally {
      await proxy.close();
    }
  });

  test('an open circuit is probed in the background and closes when the upstream answers again', async () => {
    const flaky = await startFakeUpstream(root);
    flaky.fault = { kind: 'status', status: 503 };
    const proxy = await startProxy({ upstream: flaky.url, 'breaker-threshold': '2', 'breaker-cooldown': '200ms' });
    try {
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.mod')).status, 502);
      assert.equal((await proxy.get('/example.com/!upper/!case/@v/v0.1.0.mod')).status, 502);
      await metricsUntil(proxy, /gomodproxy_upstream_circuit_state\{upstream="[^"]+"\} 2/);
      flaky.fault = undefined;
      // No client request: the probe alone closes it.
      const text = await metricsUntil(proxy, /gomodproxy_upstream_circuit_state\{upstream="[^"]+"\} 0/);
      assert.match(text, /gomodproxy_upstream_probes_total\{upstream="[^"]+",result="ok"\} [1-9]/);
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.mod')).status, 200);
      assert.equal(await (await proxy.get('/readyz')).text(), 'ready\n');
    } finally {
      await proxy.close();
      await flaky.close();
    }
  });
  test('with --connect-timeout 0 and --first-byte-timeout 0 (no limit) the probe still closes a recovered circuit', async () => {
    const flaky = await startFakeUpstream(root);
    flaky.fault = { kind: 'status', status: 503 };
    const proxy = await startProxy({
      upstream: flaky.url,
      'connect-timeout': '0',
      'first-byte-timeout': '0',
      'breaker-threshold': '2',
      'breaker-cooldown': '100ms',
    });
    const probes = (text: string, result: string): number =>
      Number(new RegExp(`gomodproxy_upstream_probes_total\\{upstream="[^"]+",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    try {
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.mod')).status, 502);
      assert.equal((await proxy.get('/example.com/!upper/!case/@v/v0.1.0.mod')).status, 502);
      await metricsUntil(proxy, /gomodproxy_upstream_circuit_state\{upstream="[^"]+"\} 2/);
      flaky.fault = undefined;
      const failedBefore = probes(await (await proxy.get('/metrics')).text(), 'failed');
      // Two more failed probes after the upstream recovered would mean the probe itself cannot succeed.
      let text = '';
      for (let i = 0; i < 300; i++) {
        text = await (await proxy.get('/metrics')).text();
        if (probes(text, 'ok') > 0 || probes(text, 'failed') >= failedBefore + 2) break;
        await sleep(50);
      }
      assert.ok(
        probes(text, 'ok') > 0,
        `no probe succeeded against the recovered upstream:\n${text
          .split('\n')
          .filter((l) => l.includes('probe'))
          .join('\n')}`,
      );
      await metricsUntil(proxy, /gomodproxy_upstream_circuit_state\{upstream="[^"]+"\} 0/);
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.mod')).status, 200);
    } finally {
      await proxy.close();
      await flaky.close();
    }
  });
});

describe('failover order', () => {
  let slow: FakeUpstream;
  let fast: FakeUpstream;
  before(async () => {
    slow = await startFakeUpstream(root);
    fast = await startFakeUpstream(root);
    slow.fault = { kind: 'delay', ms: 400 };
  });
  after(async () => {
    await slow.close();
    await fast.close();
  });

  test('within a "|" group the upstream answering fastest is asked first, once probes have measured both', async () => {
    const proxy = await startProxy({ upstream: `${slow.url}|${fast.url}`, 'probe-interval': '100ms' });
    try {
      const text = await metricsUntil(
        proxy,
        /gomodproxy_upstream_latency_average_seconds\{upstream="[^"]+"\} [\d.e-]+\n[^\n]*latency_average_seconds\{upstream="[^"]+"\}/,
      );
      assert.match(text, /gomodproxy_upstream_probes_total/);
      const p = '/example.com/lib/@v/v1.1.0.info';
      assert.equal((await proxy.get(p)).status, 200);
      assert.equal(fast.count(p), 1);
      assert.equal(slow.count(p), 0, 'the slow upstream was not asked');
    } finally {
      await proxy.close();
    }
  });

  test('a "," list asks in the written order, however slow the first upstream is', async () => {
    const proxy = await startProxy({ upstream: `${slow.url},${fast.url}`, 'probe-interval': '100ms' });
    try {
      const p = '/example.com/lib/@v/v1.0.0.info';
      assert.equal((await proxy.get(p)).status, 200);
      assert.equal(slow.count(p), 1);
      assert.equal(fast.count(p), 0);
    } finally {
      await proxy.close();
    }
  });
});

describe('bodies cut off mid-way', () => {
  for (const p of ['/example.com/lib/@v/v1.1.0.zip', '/example.com/lib/@v/v1.1.0.mod']) {
    test(`a connection reset in the middle of ${path.extname(p)} is retried like a network error`, async () => {
      const up = await startFakeUpstream(root);
      up.faults.set(p, { kind: 'first', count: 1, fault: { kind: 'truncate' } });
      const proxy = await startProxy({ upstream: up.url, retries: '1', 'retry-backoff': '10ms' });
      try {
        const res = await proxy.get(p);
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal(up.count(p), 2, 'cut off once, then asked again');
      } finally {
        await proxy.close();
        await up.close();
      }
    });
  }
});
