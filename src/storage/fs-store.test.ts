// The filesystem backend against the storage conformance suite, plus what only a local disk can show.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
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
