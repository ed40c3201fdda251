// The method allow-list: GET and HEAD everywhere, more only where a feature allow-lists a path prefix;
// such routes still answer their errors (body too large, unknown path) as plain text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ModuleCache } from '../cache/module-cache.js';
import { Metrics } from '../metrics.js';
import type { Fill } from '../fill/types.js';
import { MemoryStore } from '../storage/memory-store.js';
import { buildApp } from './app.js';
import { MethodGuard, methodNotAllowedMessage } from './method-guard.js';

test('GET and HEAD are accepted everywhere; other methods only under an allow-listed prefix', () => {
  const none = new MethodGuard();
  assert.ok(none.accepts('GET', '/x') && none.accepts('HEAD', '/x'));
  assert.ok(!none.accepts('POST', '/x') && !none.accepts('TRACE', '/x'));
  assert.deepEqual(none.allowed('/x'), ['GET', 'HEAD']);
  const admin = new MethodGuard([{ method: 'POST', pathPrefix: '/admin/' }]);
  assert.ok(admin.accepts('POST', '/admin/purge?all=1'));
  assert.ok(!admin.accepts('POST', '/adminx') && !admin.accepts('PUT', '/admin/purge'));
  assert.deepEqual(admin.allowed('/admin/purge'), ['GET', 'HEAD', 'POST']);
  assert.equal(methodNotAllowedMessage('PUT', ['GET', 'HEAD', 'POST']), 'method PUT not allowed: use GET, HEAD or POST');
});

test('an allow-listed route reads bodies within its limit and answers 413 and 404 as plain text', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-guard-'));
  const fill: Fill = { fill: () => Promise.reject(new Error('no upstream in this test')), stored: async () => undefined };
  const cache = new ModuleCache(new MemoryStore(), fill, { listTTLms: 0, negativeTTLms: 0, memoryBytes: 1 << 20 });
  const app = buildApp({
    cache,
    metrics: new Metrics({ defaultMetrics: false }),
    logger: pino({ level: 'silent' }),
    methods: [{ method: 'POST', pathPrefix: '/admin/' }],
    plugins: [(a) => a.post('/admin/echo', { bodyLimit: 16 }, async (req) => `got ${String(req.body)}\n`)],
  });
  try {
    const ok = await app.inject({ method: 'POST', url: '/admin/echo', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.body, 'got hi\n');
    const big = await app.inject({ method: 'POST', url: '/admin/echo', headers: { 'content-type': 'text/plain' }, payload: 'x'.repeat(100) });
    assert.equal(big.statusCode, 413);
    assert.equal(big.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(big.body, /^request body too large: /);
    const unknown = await app.inject({ method: 'POST', url: '/admin/nothing', payload: '' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.body, 'not found: unknown endpoint\n');
    const put = await app.inject({ method: 'PUT', url: '/admin/echo', payload: 'x' });
    assert.equal(put.statusCode, 405);
    assert.equal(put.headers.allow, 'GET, HEAD, POST');
    const elsewhere = await app.inject({ method: 'POST', url: '/healthz', payload: 'x' });
    assert.equal(elsewhere.statusCode, 405);
    assert.equal(elsewhere.headers.allow, 'GET, HEAD');
  } finally {
    await app.close();
    await rm(data, { recursive: true, force: true });
  }
});
