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

test('a herd asking for a small zip another process filled reads the store once, and every caller gets its bytes', async () => {
  const store = new MemoryStore();
  const bytes = randomBytes(300 * 1024);
  await store.put('m/@v/v1.0.0.zip', bytes);
  let reads = 0;
  const read = store.read.bind(store);
  store.read = (key: string) => {
    reads++;
    return read(key);
  };
  const entries = new ZipEntries(store, 16 << 20);
  const handles = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      i % 2 === 0
        ? entries.filled('m/@v/v1.0.0.zip', bytes.length, H1, { durable: Promise.resolve(true) })
        : entries.stored('m/@v/v1.0.0.zip', bytes.length, H1),
    ),
  );
  assert.equal(reads, 1);
  for (const h of handles) assert.ok(h.body?.equals(bytes));
});

test('a failed read still answers with a handle that opens the zip, and is not remembered', async () => {
  const store = new MemoryStore();
  const bytes = randomBytes(1024);
  await store.put('m/@v/v1.0.0.zip', bytes);
  const read = store.read.bind(store);
  store.read = () => Promise.reject(new Error('storage unreachable'));
  const entries = new ZipEntries(store, 16 << 20);
  const h = await entries.stored('m/@v/v1.0.0.zip', bytes.length, H1);
  assert.equal(h.body, undefined);
  assert.equal(entries.get('m/@v/v1.0.0.zip'), undefined);
  const chunks: Buffer[] = [];
  for await (const c of await h.open()) chunks.push(c as Buffer);
  assert.ok(Buffer.concat(chunks).equals(bytes));
  store.read = read;
  assert.ok((await entries.stored('m/@v/v1.0.0.zip', bytes.length, H1)).body?.equals(bytes));
});
