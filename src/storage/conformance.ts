// The one conformance suite every storage backend runs (filesystem, memory, S3): the BlobStore contract
// of blob-store.ts, case by case, against a fresh, empty store.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isGmpError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import { listAll } from './blob-store.js';

export interface StoreFixture {
  readonly store: BlobStore;
  /** Removes what the fixture made (the store is closed by the suite). */
  cleanup(): Promise<void>;
}

async function bytes(s: Readable | undefined): Promise<Buffer | undefined> {
  if (s === undefined) return undefined;
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

export function storageConformance(name: string, make: () => Promise<StoreFixture>): void {
  describe(`storage conformance: ${name}`, () => {
    let fx: StoreFixture;
    let store: BlobStore;
    let files: string;
    before(async () => {
      fx = await make();
      store = fx.store;
      files = await mkdtemp(path.join(tmpdir(), 'gmp-conf-'));
    });
    after(async () => {
      await store?.close();
      await fx?.cleanup();
      await rm(files, { recursive: true, force: true });
    });
    const localFile = async (data: Buffer): Promise<string> => {
      const f = path.join(files, randomBytes(6).toString('hex'));
      await writeFile(f, data);
      return f;
    };

    test('an absent key is undefined from stat, read and get, and deleting it succeeds', async () => {
      assert.equal(await store.stat('absent.example/m/@v/v1.0.0.zip'), undefined);
      assert.equal(await store.read('absent.example/m/@v/v1.0.0.zip'), undefined);
      assert.equal(await store.get('absent.example/m/@v/v1.0.0.zip'), undefined);
      await store.delete('absent.example/m/@v/v1.0.0.zip');
      assert.deepEqual((await store.list('absent.example/')).keys, []);
    });

    test('put then read, stat and get give the same bytes; a second put replaces the whole blob', async () => {
      const key = 'rt.example/m/@v/v1.0.0.mod';
      await store.put(key, 'module rt.example/m\n\ngo 1.21\n');
      assert.equal((await store.read(key))?.toString(), 'module rt.example/m\n\ngo 1.21\n');
      const st = await store.stat(key);
      assert.equal(st?.size, 29);
      assert.ok(st !== undefined && Math.abs(st.mtimeMs - Date.now()) < 10 * 60_000, 'mtime is about now');
      await store.put(key, Buffer.from('x'));
      assert.equal((await store.read(key))?.toString(), 'x');
      assert.equal((await bytes(await store.get(key)))?.toString(), 'x');
      assert.equal((await store.stat(key))?.size, 1);
    });

    test('an empty blob, put or from a file, exists: size 0, an empty read and an empty stream, and it is listed', async () => {
      // A module with no tagged versions has an empty @v/list: empty is not absent.
      const key = 'empty.example/m/@v/list';
      await store.put(key, '');
      assert.equal((await store.stat(key))?.size, 0);
      assert.equal((await store.read(key))?.length, 0);
      assert.equal((await bytes(await store.get(key)))?.length, 0);
      assert.deepEqual((await store.list('empty.example/')).keys, [key]);
      await store.putFile('empty.example/f/@v/list', await localFile(Buffer.alloc(0)));
      assert.equal((await store.stat('empty.example/f/@v/list'))?.size, 0);
      assert.equal((await store.read('empty.example/f/@v/list'))?.length, 0);
    });

    test('a byte range gives exactly those bytes, to the end included', async () => {
      const key = 'range.example/m/@v/v1.0.0.zip';
      const data = randomBytes(300_000);
      await store.put(key, data);
      assert.deepEqual(await bytes(await store.get(key, { start: 5, end: 9 })), data.subarray(5, 10));
      assert.deepEqual(await bytes(await store.get(key, { start: 299_990, end: 299_999 })), data.subarray(299_990));
      assert.deepEqual(await bytes(await store.get(key, { start: 0, end: 0 })), data.subarray(0, 1));
    });

    test('putFile stores a local file (several MiB) whole, and deleting removes it', async () => {
      const key = 'file.example/m/@v/v1.0.0.zip';
      const data = randomBytes(6 * 1024 * 1024 + 17);
      const file = await localFile(data);
      await store.putFile(key, file);
      assert.equal(existsSync(file), false, 'putFile takes the file');
      assert.equal((await store.stat(key))?.size, data.length);
      assert.ok((await bytes(await store.get(key)))?.equals(data));
      await store.delete(key);
      assert.equal(await store.stat(key), undefined);
      assert.equal(await store.get(key), undefined);
    });

    test('list returns full keys under a prefix at any depth, in byte order, and nothing outside it', async () => {
      const keys = ['ls.example/a/@v/list', 'ls.example/a/@v/v1.0.0.info', 'ls.example/a/b/@v/v1.0.0.mod', 'ls.example/a.x/@v/list', 'ls.example/ab/@v/list'];
      for (const k of keys) await store.put(k, k);
      assert.deepEqual((await store.list('ls.example/a/')).keys, ['ls.example/a/@v/list', 'ls.example/a/@v/v1.0.0.info', 'ls.example/a/b/@v/v1.0.0.mod']);
      assert.deepEqual((await store.list('ls.example/')).keys, [...keys].sort());
      assert.deepEqual((await store.list('ls.example/a/@v/')).keys, ['ls.example/a/@v/list', 'ls.example/a/@v/v1.0.0.info']);
    });

    test('list pages with a cursor: every key once, in order, however small the pages', async () => {
      const keys = Array.from({ length: 23 }, (_, i) => `page.example/m${String(i % 7)}/@v/v1.0.${i}.info`);
      for (const k of keys) await store.put(k, 'x');
      for (const limit of [1, 2, 5, 1000]) {
        const seen: string[] = [];
        for await (const k of listAll(store, 'page.example/', limit)) seen.push(k);
        assert.deepEqual(seen, [...keys].sort(), `limit ${limit}`);
      }
      const first = await store.list('page.example/', { limit: 3 });
      assert.equal(first.keys.length, 3);
      assert.ok(first.cursor !== undefined);
      const rest = await store.list('page.example/', { cursor: first.cursor, limit: 100 });
      assert.deepEqual([...first.keys, ...rest.keys], [...keys].sort());
    });

    test('invalid keys are refused with GMP_ERR_REQUEST_INVALID, for every operation', async () => {
      const bad = ['', '/abs', 'a//b', 'a/../b', '../x', 'a/./b', 'UPPER/x', 'back\\slash', 'a/b/', 'nul\u0000', 'tab\tx'];
      for (const k of bad) {
        await assert.rejects(store.put(k, 'x'), (e) => isGmpError(e, 'GMP_ERR_REQUEST_INVALID'), JSON.stringify(k));
        await assert.rejects(store.read(k), (e) => isGmpError(e, 'GMP_ERR_REQUEST_INVALID'), JSON.stringify(k));
        await assert.rejects(store.stat(k), (e) => isGmpError(e, 'GMP_ERR_REQUEST_INVALID'), JSON.stringify(k));
      }
      await assert.rejects(store.list('../'), (e) => isGmpError(e, 'GMP_ERR_REQUEST_INVALID'));
    });

    test('concurrent writers and readers of one key: every read sees one whole version, never a mix', async () => {
      const key = 'atomic.example/m/@v/v1.0.0.zip';
      const versions = [0, 1, 2, 3].map((i) => Buffer.alloc(200_000 + i * 1000, i + 1));
      await store.put(key, versions[0] as Buffer);
      const reads: Array<Promise<Buffer | undefined>> = [];
      const writes = versions.map((v, i) => (i % 2 === 0 ? store.put(key, v) : localFile(v).then((f) => store.putFile(key, f))));
      for (let i = 0; i < 20; i++) reads.push(store.read(key));
      await Promise.all(writes);
      for (const r of await Promise.all(reads))
        assert.ok(
          versions.some((v) => r?.equals(v)),
          'a read saw a torn or unknown blob',
        );
    });

    test('the local-file capability, when declared, reads the same bytes as get', async () => {
      if (store.localFiles === undefined) return;
      const key = 'fd.example/m/@v/v1.0.0.zip';
      await store.put(key, 'local bytes');
      const fd = await store.localFiles.openShared(key);
      assert.ok(fd !== undefined);
      const { readSync } = await import('node:fs');
      const buf = Buffer.alloc(11);
      readSync(fd.fd, buf, 0, 11, 0);
      fd.release();
      assert.equal(buf.toString(), 'local bytes');
      assert.equal(await store.localFiles.openShared('fd.example/absent/@v/v1.0.0.zip'), undefined);
    });
  });
}
