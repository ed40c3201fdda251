import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteLRU } from './lru.js';

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
