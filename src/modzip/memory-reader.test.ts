import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryReader, openInMemory } from './memory-reader.js';
import { createHash, randomBytes } from 'node:crypto';
import { hash1 } from './dirhash.js';
import { checkAndHashZip } from './zip-check.js';
import { buildZip } from './zip-test-helpers.js';

function readAt(r: MemoryReader, length: number, position: number, bufferSize = length): Promise<{ n: number; bytes: Buffer; sync: boolean }> {
  return new Promise((resolve, reject) => {
    const b = Buffer.alloc(bufferSize);
    let returned = false;
    r.read(b, 0, length, position, ((err: Error | null, n: number) => {
      if (err) reject(err);
      else resolve({ n, bytes: b.subarray(0, n), sync: !returned });
    }) as (err: Error | null) => void);
    returned = true;
  });
}

test('MemoryReader reads like fs.read: short at the end, nothing past it, never calling back within the call', async () => {
  const r = new MemoryReader(Buffer.from('0123456789'));
  assert.deepEqual(await readAt(r, 4, 2), { n: 4, bytes: Buffer.from('2345'), sync: false });
  assert.deepEqual(await readAt(r, 4, 8), { n: 2, bytes: Buffer.from('89'), sync: false });
  assert.equal((await readAt(r, 4, 10)).n, 0);
  assert.equal((await readAt(r, 4, 50)).n, 0);
  // A buffer smaller than the length asked for: clamped to the buffer, as fs.read would refuse to overflow it.
  assert.deepEqual((await readAt(r, 8, 0, 3)).bytes, Buffer.from('012'));
  await assert.rejects(readAt(r, 4, -1), RangeError);
});

test('a zip opened in memory lists the entries it holds', async () => {
  const data = await buildZip([
    { name: 'a@v1.0.0/go.mod', content: 'module a\n' },
    { name: 'a@v1.0.0/x.go', content: 'package a\n' },
  ]);
  const zip = await openInMemory(data, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  assert.equal(zip.entryCount, 2);
  const names: string[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: { fileNameRaw: Buffer }) => {
      names.push(e.fileNameRaw.toString());
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  assert.deepEqual(names, ['a@v1.0.0/go.mod', 'a@v1.0.0/x.go']);
  zip.close();
});

test('an entry too large to inflate in one call streams from memory through the reader, with the same hash', async () => {
  const big = randomBytes(1536 * 1024);
  const data = await buildZip([
    { name: 'example.com/m@v1.0.0/go.mod', content: 'module example.com/m\n' },
    { name: 'example.com/m@v1.0.0/blob.bin', content: big, compress: true },
  ]);
  const sha = (b: Buffer | string) => createHash('sha256').update(b).digest();
  const want = hash1([
    { name: 'example.com/m@v1.0.0/go.mod', sha256: sha('module example.com/m\n') },
    { name: 'example.com/m@v1.0.0/blob.bin', sha256: sha(big) },
  ]);
  const got = await checkAndHashZip('/nonexistent/never-read.zip', 'example.com/m', 'v1.0.0', data);
  assert.equal(got.h1, want);
  assert.equal(got.entries, 2);
});
