// The Ops view's figures: snapshots read from the real Prometheus metrics, summed over processes,
// turned into per-interval samples across worker restarts, and kept in fixed rings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metrics } from '../metrics.js';
import type { Snapshot } from './snapshot.js';
import { EMPTY_SNAPSHOT, addSnapshots, readSnapshot } from './snapshot.js';
import { Ring, Timeline } from './timeline.js';

const snap = (over: Partial<Snapshot>): Snapshot => ({ ...EMPTY_SNAPSHOT, ...over });
const parts = (...s: Array<[string, Snapshot]>) => new Map(s);
const options = { fineMs: 5000, fineSize: 4, coarseMs: 60_000, coarseSize: 3 };

describe('snapshots', () => {
  test('counts GOPROXY traffic, cache results, upstream latency and circuit states from the metrics, not the dashboard itself', async () => {
    const m = new Metrics({ defaultMetrics: false });
    m.requests.inc({ endpoint: 'zip', status: '200' }, 3);
    m.requests.inc({ endpoint: 'info', status: '502' });
    m.requests.inc({ endpoint: 'api', status: '200' }, 10);
    m.requests.inc({ endpoint: 'metrics', status: '200' }, 10);
    m.cache.inc({ endpoint: 'zip', result: 'hit' }, 2);
    m.cache.inc({ endpoint: 'zip', result: 'miss' });
    m.upstreamLatency.observe({ upstream: 'https://up.example', endpoint: 'zip' }, 0.5);
    m.upstreamLatency.observe({ upstream: 'https://up.example', endpoint: 'mod' }, 0.25);
    m.upstreamErrors.inc({ upstream: 'https://up.example', kind: 'timeout' });
    m.circuitState.set({ upstream: 'https://up.example' }, 2);
    m.sumdbVerifications.inc({ db: 'sum.golang.org', result: 'ok' }, 4);
    m.sumdbVerifications.inc({ db: 'sum.golang.org', result: 'mismatch' });
    const s = await readSnapshot(m);
    assert.deepEqual(
      { requests: s.requests, errors: s.errors, hits: s.hits, misses: s.misses, verified: s.verified, mismatches: s.mismatches },
      { requests: 4, errors: 1, hits: 2, misses: 1, verified: 4, mismatches: 1 },
    );
    assert.deepEqual(s.upstreams['https://up.example'], { requests: 2, seconds: 0.75, errors: 1, circuit: 2 });
  });

  test('over workers counters add up and a circuit is as open as the worst worker sees it', () => {
    const a = snap({ hits: 2, fillsInFlight: 1, upstreams: { u: { requests: 1, seconds: 1, errors: 0, circuit: 0 } } });
    const b = snap({ hits: 3, fillsInFlight: 2, upstreams: { u: { requests: 2, seconds: 1, errors: 1, circuit: 2 } } });
    const sum = addSnapshots([a, b]);
    assert.equal(sum.hits, 5);
    assert.equal(sum.fillsInFlight, 3);
    assert.deepEqual(sum.upstreams.u, { requests: 3, seconds: 2, errors: 1, circuit: 2 });
  });
});

describe('timeline', () => {
  test('a ring keeps the newest items, oldest first', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    assert.deepEqual(r.toArray(), [3, 4, 5]);
  });

  test('each sample is what happened since the previous one, summed over processes', () => {
    const t = new Timeline(options);
    t.add(5000, parts(['w1', snap({ requests: 10, hits: 8, misses: 2 })], ['w2', snap({ requests: 5, hits: 5 })]));
    t.add(10_000, parts(['w1', snap({ requests: 14, hits: 11, misses: 3 })], ['w2', snap({ requests: 5, hits: 5 })]));
    const s = t.series('minutes');
    assert.deepEqual(s.requests, [15, 4]);
    assert.deepEqual(s.hitRatio, [13 / 15, 3 / 4]);
    assert.deepEqual(s.t, [0, 5]);
  });

  test('a worker that restarted counts from zero again instead of going negative, and totals keep its earlier work', () => {
    const t = new Timeline(options);
    t.add(5000, parts(['w1', snap({ requests: 100 })]));
    t.add(10_000, parts(['w1', snap({ requests: 7 })]));
    assert.deepEqual(t.series('minutes').requests, [100, 7]);
    assert.equal(t.now(parts(['w1', snap({ requests: 9 })])).requests, 109);
  });

  test('now adds what happened since the last sample without recording a sample, with fills in flight as they are', () => {
    const t = new Timeline(options);
    t.add(5000, parts(['w1', snap({ hits: 1, fillsInFlight: 3 })]));
    const now = t.now(parts(['w1', snap({ hits: 4, fillsInFlight: 0 })]));
    assert.equal(now.hits, 4);
    assert.equal(now.fillsInFlight, 0);
    assert.equal(t.series('minutes').t.length, 1);
  });

  test('minutes are kept at fine resolution in a bounded ring; hours per minute, the current minute included', () => {
    const t = new Timeline(options);
    let total = 0;
    for (let i = 1; i <= 30; i++) t.add(i * 5000, parts(['w1', snap({ requests: (total += i) })]));
    const fine = t.series('minutes');
    assert.equal(fine.requests.length, 4, 'the fine ring holds fineSize samples');
    assert.deepEqual(fine.requests, [27, 28, 29, 30]);
    const coarse = t.series('hours');
    assert.deepEqual(
      coarse.t.map((x) => x * 1000),
      [0, 60_000, 120_000],
    );
    assert.equal(
      coarse.requests.reduce((a, b) => a + b, 0),
      total,
      'every request is in some minute',
    );
  });
});
