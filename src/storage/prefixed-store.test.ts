// The prefixed view against the storage conformance suite, over a memory store that also holds other keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { storageConformance } from './conformance.js';
import { MemoryStore } from './memory-store.js';
import { PrefixedStore } from './prefixed-store.js';

storageConformance('prefixed', async () => {
  const inner = new MemoryStore();
  // Neighbours the view must never list, read or delete.
  await inner.put('_gomodproxy/sumdb/x/lookup/a', 'other database');
  await inner.put('example.com/m/@v/v1.0.0.mod', 'module example.com/m\n');
  return { store: new PrefixedStore(inner, '_gomodproxy/sumdb/y/'), cleanup: async () => {} };
});

test('a view stores under its prefix in the viewed store, and closing it leaves that store usable', async () => {
  const inner = new MemoryStore();
  const view = new PrefixedStore(inner, '_gomodproxy/own-sumdb/tlog/');
  await view.put('e1/r/0', 'page');
  assert.equal((await inner.read('_gomodproxy/own-sumdb/tlog/e1/r/0'))?.toString(), 'page');
  assert.deepEqual((await view.list('e1/')).keys, ['e1/r/0']);
  assert.equal(view.name, 'memory:/_gomodproxy/own-sumdb/tlog');
  await view.close();
  assert.equal((await inner.read('_gomodproxy/own-sumdb/tlog/e1/r/0'))?.toString(), 'page');
});

test('a view needs a prefix that is a valid key ending in a slash', () => {
  assert.throws(() => new PrefixedStore(new MemoryStore(), ''));
  assert.throws(() => new PrefixedStore(new MemoryStore(), 'no-slash'));
  assert.throws(() => new PrefixedStore(new MemoryStore(), '../x/'));
});
