// The fast path's own decisions, on a real HTTP server: what it answers itself and what it leaves to the
// next listener (Fastify in the app; here a listener that records what reached it).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Small } from '../cache/module-cache.js';
import { Metrics } from '../metrics.js';
import { withFastHits } from './fast-hits.js';
import { MetricChildren } from './metric-children.js';

const body = Buffer.from('{"Version":"v1.0.0","Time":"2024-01-02T03:04:05Z"}');
const hot: Small = { body, etag: '"abc"', bytes: body.length, fetchedAt: 0 };
const state = { closing: false, debug: false, mayServe: true };
const passed: string[] = [];
let url: string;
const server = createServer(
  withFastHits(
    {
      cache: { hot: (kind, modulePath, version) => (modulePath === 'example.com/m' && version === 'v1.0.0' && kind === 'info' ? hot : undefined) },
      counters: new MetricChildren(new Metrics({ defaultMetrics: false })),
      closing: () => state.closing,
      logsHits: () => state.debug,
      mayServe: () => state.mayServe,
    },
    (req, res) => {
      passed.push(`${req.method} ${req.url}`);
      res.writeHead(299).end();
    },
  ),
);

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const INFO = '/example.com/m/@v/v1.0.0.info';

async function status(p: string, init?: RequestInit): Promise<number> {
  const res = await fetch(url + p, init);
  await res.arrayBuffer();
  return res.status;
}

test('a hot .info is answered with its body, entity tag and immutable caching', async () => {
  const res = await fetch(url + INFO);
  assert.equal(res.status, 200);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
  assert.equal(res.headers.get('etag'), '"abc"');
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
});

test('everything it cannot answer correctly by itself goes to the next listener', async () => {
  const cases: Array<[string, () => void, RequestInit?]> = [
    ['/example.com/m/@v/v1.0.1.info', () => undefined],
    ['/example.com/m/@v/v1.0.0.zip', () => undefined],
    [`${INFO}?go-get=1`, () => undefined],
    ['/Example.com/m/@v/v1.0.0.info', () => undefined],
    [INFO, () => undefined, { headers: { authorization: 'Bearer x' } }],
    [INFO, () => undefined, { method: 'DELETE' }],
    [INFO, () => (state.closing = true)],
    [INFO, () => (state.debug = true)],
    [INFO, () => (state.mayServe = false)],
  ];
  for (const [p, set, init] of cases) {
    Object.assign(state, { closing: false, debug: false, mayServe: true });
    set();
    passed.length = 0;
    assert.equal(await status(p, init), 299, `${p} ${JSON.stringify(init)} ${JSON.stringify(state)}`);
    assert.equal(passed.length, 1);
  }
  Object.assign(state, { closing: false, debug: false, mayServe: true });
  assert.equal(await status(INFO), 200, 'and a plain hit is answered again');
});
