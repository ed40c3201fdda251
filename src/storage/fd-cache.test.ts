import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fstatSync, readSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FdCache } from './fd-cache.js';

async function withFiles(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fd-'));
  try {
    for (const n of ['a', 'b', 'c']) await writeFile(path.join(dir, n), `content ${n}`);
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const isOpen = (fd: number) => {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
};

test('concurrent readers of one file share a single descriptor', async () => {
  await withFiles(async (dir) => {
    const cache = new FdCache(4);
    const [x, y] = await Promise.all([cache.acquire(path.join(dir, 'a')), cache.acquire(path.join(dir, 'a'))]);
    assert.equal(x.fd, y.fd);
    const buf = Buffer.alloc(9);
    readSync(x.fd, buf, 0, 9, 0);
    assert.equal(buf.toString(), 'content a');
    x.release();
    y.release();
    assert.ok(isOpen(x.fd), 'kept open for the next reader');
    cache.closeAll();
  });
});

test('an evicted descriptor is closed only once its last reader releases it', async () => {
  await withFiles(async (dir) => {
    const cache = new FdCache(1);
    const a = await cache.acquire(path.join(dir, 'a'));
    const b = await cache.acquire(path.join(dir, 'b'));
    assert.equal(cache.size, 1);
    assert.ok(isOpen(a.fd), 'a is still being read');
    a.release();
    // The close runs on the thread pool: waited for, however busy the machine is.
    for (let i = 0; i < 1000 && isOpen(a.fd); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(isOpen(a.fd), false, 'a closed after release');
    b.release();
    cache.closeAll();
  });
});

test('a forgotten file (deleted from the store) has its descriptor closed, at once when nobody reads it', async () => {
  await withFiles(async (dir) => {
    const cache = new FdCache();
    const a = await cache.acquire(path.join(dir, 'a'));
    a.release();
    assert.ok(isOpen(a.fd), 'kept open for the next reader');
    cache.forget(path.join(dir, 'a'));
    for (let i = 0; i < 1000 && isOpen(a.fd); i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(isOpen(a.fd), false, 'closed, so the blocks of a deleted file are freed');
    assert.equal(cache.size, 0);
  });
});

test('a descriptor older than the maximum age is reopened', async () => {
  await withFiles(async (dir) => {
    let now = 0;
    const cache = new FdCache(4, 1000, () => now);
    const first = await cache.acquire(path.join(dir, 'c'));
    first.release();
    now = 5000;
    await rm(path.join(dir, 'c'));
    await assert.rejects(cache.acquire(path.join(dir, 'c')), /ENOENT/, 'a removed file is noticed after the maximum age');
  });
});

test('descriptors older than their age are closed by the sweep, one in use once its reader finishes', async () => {
  await withFiles(async (dir) => {
    let now = 0;
    const cache = new FdCache(8, 1000, () => now);
    const idle = await cache.acquire(path.join(dir, 'a'));
    idle.release();
    const busy = await cache.acquire(path.join(dir, 'b'));
    now = 500;
    cache.sweep();
    assert.equal(cache.size, 2, 'younger than their age: kept');
    now = 1500;
    cache.sweep();
    assert.equal(cache.size, 0);
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!isOpen(idle.fd), 'the idle descriptor is closed');
    assert.ok(isOpen(busy.fd), 'the one being read stays open for its reader');
    busy.release();
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(!isOpen(busy.fd), 'and is closed when it finishes');
  });
});
