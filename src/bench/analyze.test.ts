// Unit tests for bench statistics, freshness, hash comparison, ranking and the recommended GOPROXY.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyze, percentiles } from './analyze.js';
import { renderSVG } from './chart.js';
import { recommend } from './recommend.js';
import type { EndpointResult, Sample } from './runner.js';

const M = { path: 'example.com/a', version: 'v1.0.0' };

function result(url: string, opts: { ms?: number; fail?: number; list?: string[]; zip?: string; mod?: string } = {}): EndpointResult {
  const samples: Sample[] = [];
  for (let i = 0; i < 20; i++) {
    const failed = i < (opts.fail ?? 0);
    samples.push({
      kind: 'info',
      module: M.path,
      version: M.version,
      ok: !failed,
      failure: failed ? '5xx' : undefined,
      ttfbMs: opts.ms ?? 10,
      totalMs: (opts.ms ?? 10) + i,
      bytes: 10,
    });
  }
  return {
    url,
    samples,
    connectMs: [1],
    pendingZips: [],
    lists: new Map([[M.path, opts.list ?? ['v1.0.0', 'v1.1.0']]]),
    hashes: new Map([[`${M.path}@${M.version}`, { zip: opts.zip ?? 'h1:good', mod: opts.mod ?? 'h1:mod' }]]),
  };
}

describe('percentiles', () => {
  test('uses the nearest rank, so p50 of 1..100 is 50 and p99 is 99', () => {
    assert.deepEqual(percentiles(Array.from({ length: 100 }, (_, i) => 100 - i)), { n: 100, p50: 50, p95: 95, p99: 99 });
    assert.equal(percentiles([]), undefined);
  });
});

describe('analyze', () => {
  test('ranks healthy endpoints by median time, then stale, degraded, failing, down and altered ones', () => {
    const a = analyze(
      [
        result('altered', { zip: 'h1:evil' }),
        result('slow', { ms: 50 }),
        result('down', { fail: 20 }),
        result('fast', { ms: 5 }),
        result('stale', { list: ['v1.0.0'] }),
        result('degraded', { fail: 2 }),
        result('failing', { fail: 10 }),
      ],
      [M],
    );
    assert.deepEqual(
      a.endpoints.map((e) => [e.url, e.status]),
      [
        ['fast', 'ok'],
        ['slow', 'ok'],
        ['stale', 'stale'],
        ['degraded', 'degraded'],
        ['failing', 'failing'],
        ['down', 'down'],
        ['altered', 'altered'],
      ],
    );
    assert.deepEqual(a.endpoints.find((e) => e.url === 'stale')?.missing, [{ module: M.path, versions: ['v1.1.0'] }]);
    assert.deepEqual(a.endpoints.find((e) => e.url === 'failing')?.failures, { '5xx': 10 });
  });

  test('prefers the checksum database, then go.sum, then the majority as the reference', () => {
    const db = { name: 'db', records: new Map([[`${M.path}@${M.version}`, { zip: 'h1:evil' }]]), unknown: [] };
    const byDb = analyze([result('x'), result('y'), result('z', { zip: 'h1:evil' })], [M], db);
    assert.deepEqual(
      byDb.endpoints
        .filter((e) => e.status === 'altered')
        .map((e) => e.url)
        .sort(),
      ['x', 'y'],
    );
    assert.equal(byDb.checkedAgainst['checksum database'], 1);
    const bySum = analyze([result('x'), result('y', { mod: 'h1:other' })], [{ ...M, sums: { mod: 'h1:other' } }]);
    assert.deepEqual(
      bySum.endpoints.find((e) => e.url === 'x')?.mismatches.map((m) => [m.file, m.source]),
      [['mod', 'go.sum']],
    );
  });

  test('reports a conflict instead of condemning anyone when two endpoints disagree', () => {
    const a = analyze([result('x'), result('y', { zip: 'h1:other' })], [M]);
    assert.equal(a.conflicts.length, 1);
    assert.ok(a.endpoints.every((e) => e.status !== 'altered'));
  });
});

describe('conflicts', () => {
  test('every side of a disagreement nothing settles is a conflict, ranked before altered, and is not recommended', () => {
    const silent = { ...result('https://z.example', { ms: 50 }), hashes: new Map() };
    const a = analyze([result('https://x.example'), result('https://y.example', { zip: 'h1:other' }), silent], [M]);
    assert.deepEqual(
      a.endpoints.map((e) => [e.url, e.status]),
      [
        ['https://z.example', 'ok'],
        ['https://x.example', 'conflict'],
        ['https://y.example', 'conflict'],
      ],
    );
    assert.deepEqual(a.endpoints.find((e) => e.url === 'https://y.example')?.disputes, [
      { module: M.path, version: M.version, file: 'zip', got: 'h1:other', others: ['https://x.example'] },
    ]);
    const r = recommend(a.endpoints);
    assert.equal(r.goproxy, 'https://z.example,direct');
    assert.ok(r.reasons.some((x) => x.startsWith('Left out https://x.example: it and https://y.example disagree for example.com/a@v1.0.0 .zip')));
    assert.ok(r.reasons.some((x) => x.startsWith('Left out https://y.example: it and https://x.example disagree')));
  });
});

describe('recommend', () => {
  test('joins healthy mirrors with | in rank order, fresh before stale, and ends with ,direct', () => {
    const a = analyze(
      [
        result('https://stale.example', { ms: 1, list: ['v1.0.0'] }),
        result('https://b.example', { ms: 20 }),
        result('https://a.example', { ms: 5 }),
        result('https://bad.example', { zip: 'h1:x' }),
      ],
      [M],
    );
    const r = recommend(a.endpoints);
    assert.equal(r.goproxy, 'https://a.example|https://b.example|https://stale.example,direct');
    assert.ok(r.reasons.some((x) => x.includes('Do not use https://bad.example')));
    assert.ok(r.reasons.some((x) => x.includes('lags behind')));
  });

  test('falls back to direct when nothing is healthy', () => {
    assert.equal(recommend(analyze([result('https://x.example', { fail: 20 })], [M]).endpoints).goproxy, 'direct');
  });
});

describe('chart', () => {
  test('draws one dot per successful request and escapes endpoint names', () => {
    const svg = renderSVG(analyze([result('https://a.example/<x>'), result('https://b.example', { fail: 5 })], [M]).endpoints, 'T & Q');
    assert.equal(svg.match(/<circle /g)?.length, 35);
    assert.ok(svg.includes('T &#38; Q') && svg.includes('&#60;x&#62;'));
  });
});
