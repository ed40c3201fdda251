// The filesystem backend against the storage conformance suite, plus what only a local disk can show.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, statfs, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { storageConformance } from './conformance.js';
import { FsStore } from './fs-store.js';
import { PRUNE_RACE_ATTEMPTS, lostToPrune } from './prune-race.js';
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

test("the space of a store's file system is known before its first write makes its folder", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    const store = new FsStore(path.join(dir, 'not-yet', 'cache'), scratch);
    const space = await store.localFiles.space();
    const fs = await statfs(dir);
    assert.equal(space.size, fs.blocks * fs.bsize);
    assert.ok(space.available > 0 && space.available <= space.size);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

test('a delete removes the folders it emptied, up to the root; a put into a pruned folder creates it again', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    const root = path.join(dir, 'cache');
    const store = new FsStore(root, scratch);
    await store.put('pending/github.com/one/m@v1.0.0', '1');
    await store.put('pending/github.com/two/m@v1.0.0', '2');
    await store.delete('pending/github.com/one/m@v1.0.0');
    assert.deepEqual(await readdir(path.join(root, 'pending/github.com')), ['two'], 'the emptied folder is gone, its sibling stays');
    await store.delete('pending/github.com/two/m@v1.0.0');
    assert.deepEqual(await readdir(root), [], 'every emptied folder up to the root is gone; the root stays');
    // Both write paths find their folder gone after the durable writer and the store remembered it.
    await store.put('pending/github.com/two/m@v1.0.0', '3');
    await store.delete('pending/github.com/two/m@v1.0.0');
    await store.put('pending/github.com/two/m@v1.0.0', '4');
    const zip = scratch.file('zip');
    await writeFile(zip.path, 'zip bytes');
    await store.delete('pending/github.com/two/m@v1.0.0');
    await store.putFile('pending/github.com/two/m@v1.0.1', zip.path);
    assert.equal((await store.read('pending/github.com/two/m@v1.0.1'))?.toString(), 'zip bytes');
    assert.deepEqual((await store.list('pending/')).keys, ['pending/github.com/two/m@v1.0.1']);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a list removes the empty folders an older version left, and still lists every key', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    const root = path.join(dir, 'cache');
    const store = new FsStore(root, scratch);
    for (let i = 0; i < 50; i++) await mkdir(path.join(root, 'pending/github.com', `owner${i}`), { recursive: true });
    await store.put('pending/github.com/owner7/m@v1.0.0', 'x');
    assert.deepEqual((await store.list('pending/')).keys, ['pending/github.com/owner7/m@v1.0.0']);
    assert.deepEqual(await readdir(path.join(root, 'pending/github.com')), ['owner7']);
    await store.delete('pending/github.com/owner7/m@v1.0.0');
    assert.deepEqual((await store.list('pending/')).keys, []);
    assert.equal(existsSync(path.join(root, 'pending')), false);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('puts racing with deletes that prune their folder all land', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    const store = new FsStore(path.join(dir, 'cache'), scratch);
    // Each round deletes the only key of a folder while a put into that folder is under way.
    for (let i = 1; i <= 100; i++) {
      await Promise.all([store.delete(`q/a/b/k${i - 1}`), store.put(`q/a/b/k${i}`, `${i}`)]);
      assert.equal((await store.read(`q/a/b/k${i}`))?.toString(), `${i}`, `round ${i}`);
    }
    assert.deepEqual((await store.list('q/')).keys, ['q/a/b/k100']);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a put retries as long as pruning may be what it lost to: ENOENT only, a bounded number of times', () => {
  const enoent = Object.assign(new Error('gone'), { code: 'ENOENT' });
  assert.equal(lostToPrune(enoent, 1), true);
  assert.equal(lostToPrune(enoent, PRUNE_RACE_ATTEMPTS - 1), true);
  // The last try's failure is the answer: a directory that keeps vanishing is not waited for forever.
  assert.equal(lostToPrune(enoent, PRUNE_RACE_ATTEMPTS), false);
  for (const code of ['EACCES', 'ENOSPC', 'ENOTDIR', 'EXDEV']) assert.equal(lostToPrune(Object.assign(new Error(code), { code }), 1), false, code);
});

test('a write refused by a link out of the store names the link, a path in the store, and not where it leads', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    const store = new FsStore(path.join(dir, 'cache'), scratch);
    const outside = path.join(dir, 'elsewhere', 'on-the-host');
    await mkdir(outside, { recursive: true });
    await mkdir(path.join(dir, 'cache/example.com'), { recursive: true });
    await symlink(outside, path.join(dir, 'cache/example.com/out'));
    // Behind a link that stays inside the store, the one leading out is named as the store's paths reach it.
    await symlink(path.join(dir, 'cache/example.com'), path.join(dir, 'cache/alias'));
    const link = path.join(dir, 'cache/example.com/out');
    const file = scratch.file('zip');
    await writeFile(file.path, 'zip bytes');
    const writes: Array<[string, () => Promise<void>]> = [
      // Small puts go through the durable-write thread, large ones and putFile through the thread pool.
      ['put', () => store.put('example.com/out/deep/@v/v1.0.0.mod', 'module example.com/out/deep\n')],
      ['put (large)', () => store.put('example.com/out/@v/v1.0.0.zip', Buffer.alloc(5 << 20, 1))],
      ['putFile', () => store.putFile('example.com/out/@v/v1.0.1.zip', file.path)],
      ['put through the alias', () => store.put('alias/out/@v/v1.0.2.mod', 'module example.com/out\n')],
    ];
    for (const [what, write] of writes) {
      const err = await write().then(
        () => assert.fail(`${what}: written through the link`),
        (e: unknown) => e as Error & { code?: string; cause?: Error },
      );
      assert.equal(err.code, 'GMP_ERR_LOCAL_IO', what);
      const message = err.cause?.message ?? '';
      const named = what.includes('alias') ? path.join(dir, 'cache/alias/out') : link;
      assert.equal(
        message,
        `${named} leads out of the store (${path.join(dir, 'cache')}): a symbolic link to a folder outside it; nothing is written there`,
        what,
      );
      assert.doesNotMatch(`${err.message} ${message}`, /elsewhere|on-the-host/, `${what}: the outside target is not named`);
    }
    await file.discard();
    await store.close();
    await scratch.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('writes never follow a symbolic link out of the store: put and putFile fail, and nothing lands outside', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-fs-'));
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    const store = new FsStore(path.join(dir, 'cache'), scratch);
    const outside = path.join(dir, 'outside');
    await mkdir(outside, { recursive: true });
    await mkdir(path.join(dir, 'cache/example.com/real'), { recursive: true });
    await symlink(outside, path.join(dir, 'cache/example.com/out'));
    // A link to a folder inside the store is only another name for a place in it.
    await symlink(path.join(dir, 'cache/example.com/real'), path.join(dir, 'cache/example.com/in'));
    const big = Buffer.alloc(5 << 20, 1);
    await assert.rejects(store.put('example.com/out/@v/v1.0.0.mod', 'module example.com/out\n'), { code: 'GMP_ERR_LOCAL_IO' });
    await assert.rejects(store.put('example.com/out/@v/v1.0.0.zip', big), { code: 'GMP_ERR_LOCAL_IO' });
    const file = scratch.file('zip');
    await writeFile(file.path, 'zip bytes');
    await assert.rejects(store.putFile('example.com/out/@v/v1.0.1.zip', file.path), { code: 'GMP_ERR_LOCAL_IO' });
    await file.discard();
    await assert.rejects(store.put('example.com/out/v2/@v/v2.0.0.mod', 'module example.com/out/v2\n'), { code: 'GMP_ERR_LOCAL_IO' });
    assert.deepEqual(await readdir(outside, { recursive: true }), [], 'nothing written through the link');
    await store.put('example.com/in/@v/v1.0.0.mod', 'module example.com/in\n');
    assert.equal((await store.read('example.com/real/@v/v1.0.0.mod'))?.toString(), 'module example.com/in\n');
    await store.close();
    await scratch.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
