// Tests of the replicas section of the report: every cluster's warm cells side by side, the herd's upstream
// fetch count as measured (a duplicate fill shows), and what nginx logged about answers other than 200.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ReplicaWarmRow, ReplicasResult } from './replicas.js';
import { replicasSection } from './report-replicas.js';

const warm = (cluster: string, reqPerSec: number): ReplicaWarmRow => ({
  cluster,
  target: '.info',
  connections: 64,
  reqPerSec,
  mbPerSec: 1,
  p50ms: 1,
  p99ms: 2,
  errors: 0,
  replicaCpuUs: 100,
  nginxCpuUs: 50,
  upstreamRequests: 0,
});

const herd = (cluster: string, upstreamFetches: number) => ({
  cluster,
  requests: 300,
  zipBytes: 10 << 20,
  ok: 300,
  complete: 300,
  otherStatuses: {},
  upstreamFetches,
  lastByteSeconds: 60,
  medianSeconds: 50,
  servedPerReplica: cluster === '1 replica' ? [300] : [100, 100, 100],
});

const result: ReplicasResult = {
  warm: [warm('1 replica', 4000), warm('3 replicas', 3000)],
  herd: [herd('1 replica', 1), herd('3 replicas', 2)],
  nginx: [
    { cluster: '1 replica', errors: [], failed: [], clientClosed: 0 },
    { cluster: '3 replicas', errors: ['[error] no live upstreams while connecting to upstream'], failed: ['"GET /x HTTP/1.1" 502 157'], clientClosed: 7 },
  ],
};

test('the warm table puts both clusters of one cell on one row', () => {
  const text = replicasSection(result);
  assert.match(text, /\| \.info \| 64 \| 4,000 \| 3,000 \| 1\.00 \/ 2\.00 \| 1\.00 \/ 2\.00 \| 100 \+ 50 \| 100 \+ 50 \|/);
});

test('the herd rows give the upstream fetches as measured, a duplicate fill included', () => {
  const text = replicasSection(result);
  assert.match(text, /\| 1 replica \| 300 × 10\.0 MiB \| 300 \(300\) \| none \| 1 \|/);
  assert.match(text, /\| 3 replicas \| 300 × 10\.0 MiB \| 300 \(300\) \| none \| 2 \| .* \| 100 \/ 100 \/ 100 \|/);
});

test("nginx's error lines and its answers other than 200 are quoted; without any the report says so", () => {
  const text = replicasSection(result);
  assert.match(text, /3 replicas logged 1 error line\(s\), e\.g\.: `\[error\] no live upstreams/);
  assert.match(text, /3 replicas answered 1 request\(s\) other than 200 \(or 499\), e\.g\.: `"GET \/x HTTP\/1\.1" 502 157`/);
  assert.match(text, /7 499s/);
  const quiet = replicasSection({ ...result, nginx: [{ cluster: '1 replica', errors: [], failed: [], clientClosed: 0 }] });
  assert.match(quiet, /No errors, no answer other than 200/);
});

test('a cold part that did not run is said to have not run', () => {
  assert.match(replicasSection(result), /The cold part did not run/);
});
