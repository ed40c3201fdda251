// The filesystem backend against the storage conformance suite, plus what only a local disk can show.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { storageConformance } from './conformance.js';
import { FsStore } from './fs-store.js';
import { Scratch } from './scratch.js';

storageConformance('fs', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
  return { store: new FsStore(path.join(dir, 'cache'), scratch), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

// Scratch on another file system than the cache: every write takes the copy-and-rename path (EXDEV).
const SHM = '/dev/shm';
if (existsSync(SHM) && statSync(SHM).dev !== statSync(tmpdir()).dev) {
  storageConformance('fs, scratch on another file system', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
    const other = await mkdtemp(path.join(SHM, 'gmp-fs-scratch-'));
    const { scratch } = await Scratch.open(other);
    return {
      store: new FsStore(path.join(dir, 'cache'), scratch),
      cleanup: async () => {
        await rm(dir, { recursive: true, force: true });
        await rm(other, { recursive: true, force: true });
      },
    };
  });
  test('with scratch on another file system, put and putFile leave nothing in scratch', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
    const other = await mkdtemp(path.join(SHM, 'gmp-fs-scratch-'));
    try {
      const { scratch } = await Scratch.open(other);
      const store = new FsStore(path.join(dir, 'cache'), scratch);
      await store.put('example.com/m/@v/v1.0.0.mod', 'module example.com/m\n');
      const zip = scratch.file('zip');
      await writeFile(zip.path, 'zip bytes');
      await store.putFile('example.com/m/@v/v1.0.0.zip', zip.path);
      assert.deepEqual(await readdir(path.join(dir, 'cache/example.com/m/@v')), ['v1.0.0.mod', 'v1.0.0.zip']);
      assert.deepEqual(await readdir(scratch.dir), []);
      assert.deepEqual(await readdir(path.join(dir, 'cache/.STAGING')), []);
      await store.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
      await rm(other, { recursive: true, force: true });
    }
  });
} else {
  test('fs, scratch on another file system', (t) => t.skip(`${SHM} is missing or on the same file system as ${tmpdir()}`));
}

test('blobs are files in the GOPROXY layout, and writes leave no temp files behind', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    const store = new FsStore(path.join(dir, 'cache'), scratch);
    await store.put('example.com/!foo/@v/v1.0.0.mod', 'module example.com/Foo\n');
    assert.deepEqual(await readdir(path.join(dir, 'cache/example.com/!foo/@v')), ['v1.0.0.mod']);
    assert.deepEqual(await readdir(scratch.dir), []);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
