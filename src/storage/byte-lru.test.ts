import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteLRU, ENTRY_OVERHEAD, keptBytes, ownBytes } from './byte-lru.js';

test('the LRU evicts the least recently used entries once over its byte budget', () => {
  const lru = new ByteLRU<{ bytes: number; v: string }>(80);
  lru.set('a', { bytes: 10, v: 'a' });
  lru.set('b', { bytes: 10, v: 'b' });
  assert.equal(lru.get('a')?.v, 'a');
  for (let i = 0; i < 7; i++) lru.set(`k${i}`, { bytes: 10, v: String(i) });
  assert.equal(lru.get('b'), undefined, 'b was least recently used');
  assert.equal(lru.get('a')?.v, 'a');
  assert.ok(lru.bytes <= 80);
});

test('the LRU refuses values too large to be worth keeping', () => {
  const lru = new ByteLRU<{ bytes: number }>(80);
  lru.set('big', { bytes: 11 });
  assert.equal(lru.get('big'), undefined);
});

test('ownBytes copies a slice of a shared slab and keeps a Buffer that owns its memory', () => {
  const pooled = Buffer.from('{"Version":"v1.0.0"}');
  assert.ok(pooled.buffer.byteLength > pooled.length, 'small Buffers are slices of Node’s pool');
  const own = ownBytes(pooled);
  assert.notEqual(own.buffer, pooled.buffer);
  assert.equal(own.buffer.byteLength, own.length);
  assert.deepEqual(own, pooled);
  const whole = Buffer.allocUnsafeSlow(8);
  assert.equal(ownBytes(whole), whole, 'no copy when the Buffer owns its memory');
});

test('kept bytes are a copy of their own, counted at their weight plus what an entry costs', () => {
  const pooled = Buffer.from('tile bytes');
  const kept = keptBytes(pooled, 4);
  assert.equal(kept.bytes, 4 * pooled.length + ENTRY_OVERHEAD);
  assert.deepEqual(kept.data, pooled);
  assert.equal(kept.data.buffer.byteLength, pooled.length, 'not a slice of the shared slab');
  assert.equal(keptBytes(pooled).bytes, pooled.length + ENTRY_OVERHEAD);
});
