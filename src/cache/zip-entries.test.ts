// Which stored zips the cache keeps in memory: up to 2 MiB, within the LRU's limit per entry.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { MemoryStore } from '../storage/memory-store.js';
import { SMALL_ZIP_BYTES, ZipEntries } from './zip-entries.js';

const H1 = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

async function storedZip(budget: number, size: number): Promise<{ entries: ZipEntries; store: MemoryStore; bytes: Buffer }> {
  const store = new MemoryStore();
  const bytes = randomBytes(size);
  await store.put('m/@v/v1.0.0.zip', bytes);
  const entries = new ZipEntries(store, budget);
  await entries.stored('m/@v/v1.0.0.zip', size, H1);
  return { entries, store, bytes };
}

test('a 1 MiB zip is answered from memory once read, even after the stored copy is gone', async () => {
  const { entries, store, bytes } = await storedZip(16 << 20, 1 << 20);
  await store.delete('m/@v/v1.0.0.zip');
  const hit = entries.get('m/@v/v1.0.0.zip');
  assert.ok(hit?.body !== undefined, 'the zip should be held in memory');
  assert.ok(hit.body.equals(bytes));
  assert.equal(hit.size, bytes.length);
  assert.equal(hit.etag, `"${H1.slice(3)}"`);
});

test('a zip above 2 MiB is remembered without its bytes and read from storage', async () => {
  const { entries } = await storedZip(1 << 30, SMALL_ZIP_BYTES + 1);
  const hit = entries.get('m/@v/v1.0.0.zip');
  assert.ok(hit !== undefined, 'size and hash should be remembered');
  assert.equal(hit.body, undefined);
  assert.equal(hit.size, SMALL_ZIP_BYTES + 1);
});

test('a small memory budget keeps a zip bigger than an eighth of it out of memory but remembers it', async () => {
  const { entries, bytes } = await storedZip(1 << 20, 200 * 1024);
  const hit = entries.get('m/@v/v1.0.0.zip');
  assert.ok(hit !== undefined, 'size and hash should be remembered');
  assert.equal(hit.body, undefined);
  const stream = await hit.open();
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(bytes));
});
