// In-process singleflight around a fill: one fill per artifact, shared by concurrent callers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SingleflightFill } from './singleflight.js';
import type { Fill, Filled, Want } from './types.js';
import { DURABLE } from './types.js';

test('concurrent fills of one artifact run once and share the result; a later fill runs again', async () => {
  let calls = 0;
  const inner: Fill = {
    fill: async (w: Want): Promise<Filled> => {
      calls++;
      await new Promise((r) => setTimeout(r, 10));
      return { kind: w.kind, body: Buffer.from('x'), size: 1, fetchedAt: 1, durable: DURABLE };
    },
    stored: async () => undefined,
  };
  const sf = new SingleflightFill(inner);
  const want: Want = { kind: 'mod', module: 'example.com/m', version: 'v1.0.0' };
  const results = await Promise.all(Array.from({ length: 50 }, () => sf.fill(want)));
  assert.equal(calls, 1);
  assert.equal(new Set(results).size, 1);
  assert.equal(sf.size, 0);
  await sf.fill({ ...want, version: 'v1.0.1' });
  await sf.fill(want);
  assert.equal(calls, 3, 'other artifacts and later calls fill again');
});

test('concurrent storage lookups of one artifact are one lookup; other artifacts, other freshness bounds and later lookups look again', async () => {
  const asked: Want[] = [];
  const found: Filled = { kind: 'mod', body: Buffer.from('module m\n'), size: 9, fetchedAt: 0, durable: DURABLE };
  const inner: Fill = {
    fill: async () => assert.fail('no fill'),
    stored: async (w: Want) => {
      asked.push(w);
      await new Promise((r) => setTimeout(r, 10));
      return found;
    },
  };
  const sf = new SingleflightFill(inner);
  const want: Want = { kind: 'mod', module: 'example.com/m', version: 'v1.0.0' };
  const results = await Promise.all(Array.from({ length: 100 }, () => sf.stored(want)));
  assert.equal(asked.length, 1);
  assert.ok(results.every((r) => r === found));
  const list: Want = { kind: 'list', module: 'example.com/m', version: '' };
  await Promise.all([sf.stored({ ...want, version: 'v1.0.1' }), sf.stored({ ...list, freshAfter: 1 }), sf.stored({ ...list, freshAfter: 2 }), sf.stored(list)]);
  assert.equal(asked.length, 5, 'another version and each freshness bound look on their own');
  await sf.stored(want);
  assert.equal(asked.length, 6, 'a lookup after the first ended looks again');
});

test('a failed storage lookup fails every caller that shared it, and the next lookup tries again', async () => {
  let calls = 0;
  const inner: Fill = {
    fill: async () => assert.fail('no fill'),
    stored: async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 5));
      if (calls === 1) throw new Error('storage did not answer in time');
      return undefined;
    },
  };
  const sf = new SingleflightFill(inner);
  const want: Want = { kind: 'zip', module: 'example.com/m', version: 'v1.0.0' };
  const settled = await Promise.allSettled([sf.stored(want), sf.stored(want)]);
  assert.deepEqual(
    settled.map((s) => s.status),
    ['rejected', 'rejected'],
  );
  assert.equal(await sf.stored(want), undefined);
  assert.equal(calls, 2);
});
