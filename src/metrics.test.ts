// Tallies (metrics.ts) add locally and reach the counter whenever it is read, by every reader prom-client has;
// the default metrics sample the event loop's lag coarsely enough to let an idle server sleep.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { Counter, Registry } from 'prom-client';
import { Metrics, tally } from './metrics.js';

const counterIn = (registry: Registry) =>
  new Counter({ name: 'gmp_test_total', help: 'test', labelNames: ['endpoint', 'status'] as const, registers: [registry] });

test('tallied increments show in the text exposition, the JSON one and get(), once each', async () => {
  const registry = new Registry();
  const c = counterIn(registry);
  const ok = tally(c, { endpoint: 'info', status: '200' });
  const again = tally(c, { status: '200', endpoint: 'info' });
  const bytes = tally(c, { endpoint: 'info', status: '304' });
  ok.inc();
  again.inc(2);
  bytes.inc(0);
  assert.match(await registry.metrics(), /gmp_test_total\{endpoint="info",status="200"\} 3\n/);
  ok.inc();
  const json = await registry.getMetricsAsJSON();
  const values = (json[0] as { values: Array<{ value: number; labels: Record<string, string> }> }).values;
  assert.deepEqual(
    values.map((v) => [v.labels.status, v.value]),
    [['200', 4]],
    'a label set never incremented is not reported',
  );
  // Read twice with nothing new in between: nothing is counted twice.
  assert.equal((await c.get()).values[0]?.value, 4);
  c.inc({ endpoint: 'zip', status: '200' }, 5);
  assert.deepEqual(
    (await c.get()).values.map((v) => v.value),
    [4, 5],
    'direct increments and tallies add up side by side',
  );
});

test('a tally refuses what a counter refuses', () => {
  const t = tally(counterIn(new Registry()), { endpoint: 'mod', status: '200' });
  assert.throws(() => t.inc(-1), TypeError);
  assert.throws(() => t.inc(Number.NaN), TypeError);
  assert.throws(() => t.inc(Number.POSITIVE_INFINITY), TypeError);
});

test('the event loop lag monitor samples every 100 ms at most often, not every 10 ms', async () => {
  // prom-client reaches perf_hooks through require(): the same module object as here.
  const perfHooks = createRequire(import.meta.url)('node:perf_hooks') as typeof import('node:perf_hooks');
  const original = perfHooks.monitorEventLoopDelay;
  const resolutions: (number | undefined)[] = [];
  perfHooks.monitorEventLoopDelay = (options) => {
    resolutions.push(options?.resolution);
    return original(options);
  };
  try {
    const metrics = new Metrics();
    assert.match(await metrics.registry.metrics(), /gomodproxy_nodejs_eventloop_lag_p99_seconds \d/);
  } finally {
    perfHooks.monitorEventLoopDelay = original;
  }
  assert.equal(resolutions.length, 1);
  assert.ok((resolutions[0] ?? 0) >= 100, `sampled every ${resolutions[0]} ms`);
});
