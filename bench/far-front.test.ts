// The cold suite's far upstream forwards every request to the upstream, status, headers and body unchanged.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { startFarFront } from './far-front.js';

test('the far front answers what the upstream answers, after its delay', async () => {
  const up = http.createServer((req, res) => {
    if (req.url === '/m/@v/v1.0.0.mod') res.writeHead(200, { 'content-type': 'text/plain' }).end('module m\n');
    else res.writeHead(404).end('not found: m@v9\n');
  });
  await new Promise<void>((r) => up.listen(0, '127.0.0.1', r));
  const far = await startFarFront(`http://127.0.0.1:${(up.address() as AddressInfo).port}`, 5);
  try {
    const ok = await fetch(`${far.url}/m/@v/v1.0.0.mod`);
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('content-type'), 'text/plain');
    assert.equal(await ok.text(), 'module m\n');
    const missing = await fetch(`${far.url}/m/@v/v9.0.0.mod`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'not found: m@v9\n');
  } finally {
    await far.stop();
    await new Promise((r) => up.close(r));
  }
});
