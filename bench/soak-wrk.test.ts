// Tests of the soak load against a real wrk and a small server on 127.0.0.1: hits spread over the warm set,
// every Nth request a fill of a new module (.info, .mod, .zip in turn), answers counted by status.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { soakErrors, steadyState } from './soak.js';
import { runSoakLoad } from './soak-wrk.js';
import type { SoakLoad } from './soak-wrk.js';
import { WRK_BIN } from './wrk.js';

test('wrk sends fills in order among the hits and counts every answer by status', { skip: !existsSync(WRK_BIN) && `${WRK_BIN} is not installed` }, async () => {
  const seen: string[] = [];
  // Hits answer 200, except /hot/b (404), so that the count by status has two kinds to tell apart.
  const server = createServer((req, res) => {
    seen.push(req.url ?? '');
    res.writeHead(req.url === '/hot/b' ? 404 : 200).end('x');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-soak-wrk-'));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const load = await runSoakLoad(dir, url, ['/hot/a', '/hot/b'], 10, 4, 1);
    const fills = seen.filter((u) => u.startsWith('/soak.example/cold/'));
    assert.ok(load.requests > 20, `${load.requests} requests`);
    // wrk stops with up to one request per connection (4) sent but not answered, or generated but not sent.
    const near = (a: number, b: number) => Math.abs(a - b) <= 4;
    assert.ok(near(load.fills, fills.length), `wrk counted ${load.fills} fills, the server saw ${fills.length}`);
    assert.ok(Math.abs(fills.length - seen.length / 10) <= 2, `${fills.length} fills among ${seen.length} requests`);
    assert.deepEqual(
      fills.filter((u) => u.includes('/t1n0/')),
      ['/soak.example/cold/t1n0/@v/v1.0.0.info', '/soak.example/cold/t1n0/@v/v1.0.0.mod', '/soak.example/cold/t1n0/@v/v1.0.0.zip'],
    );
    const statuses = load.statuses;
    assert.equal((statuses['200'] ?? 0) + (statuses['404'] ?? 0), load.requests);
    assert.ok(near(statuses['404'] ?? 0, seen.filter((u) => u === '/hot/b').length), `${statuses['404']} answers 404`);
    assert.ok((statuses['404'] ?? 0) > 0 && (statuses['200'] ?? 0) > 0);
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('soak errors list socket errors, answers other than 200, probe failures and failed checks, and nothing else', () => {
  const load: SoakLoad = {
    requests: 10,
    durationUs: 1e6,
    bytes: 100,
    connect: 0,
    read: 2,
    write: 0,
    timeout: 1,
    statuses: { 200: 7, 502: 1 },
    fills: 1,
    p50Us: 1,
    p99Us: 2,
    maxUs: 3,
  };
  const probe = (errors: Record<string, number>) => ({ n: 5, p50ms: 1, p99ms: 2, maxMs: 3, errors });
  const probes = { hit: probe({}), fill: probe({ timeout: 1 }) };
  assert.deepEqual(soakErrors(load, { 'healthz after the load': 0, 'fill after the load': 1 }, probes), {
    'probe fill timeout': 1,
    'socket read': 2,
    'socket timeout': 1,
    'HTTP 502': 1,
    'fill after the load': 1,
  });
});

test('steadyState calls a second half that swings with GC flat and one that climbs not flat', () => {
  const at = (t: number, mib: number) => ({ t, rss: mib * 2 ** 20, pss: 0, processes: 3, fds: 10, fills: 0 });
  // Warm-up from 200 to 600 MiB, then swings of ±60 MiB around 600.
  const swinging = [
    ...Array.from({ length: 30 }, (_, i) => at(i * 10, 200 + i * 14)),
    ...Array.from({ length: 31 }, (_, i) => at(300 + i * 10, 600 + (i % 2 ? 60 : -60))),
  ];
  const flat = steadyState(swinging, 600);
  assert.ok(flat?.flat, JSON.stringify(flat));
  assert.equal(flat?.fromT, 300);
  assert.ok(Math.abs(flat?.slope ?? 1) < 2 * 2 ** 20);
  // 600 to 800 MiB over the second half: a leak.
  const climbing = Array.from({ length: 61 }, (_, i) => at(i * 10, 400 + i * 6.7));
  const leak = steadyState(climbing, 600);
  assert.equal(leak?.flat, false);
  assert.ok((leak?.drift ?? 0) > 150 * 2 ** 20);
  assert.equal(steadyState(climbing.slice(0, 31), 600), undefined, 'no second half, no verdict');
});
