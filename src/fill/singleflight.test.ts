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
