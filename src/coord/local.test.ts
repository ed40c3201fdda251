// The in-process coordinator against the coordinator conformance suite, memory-only and persisted.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { coordinatorConformance } from './conformance.js';
import { LocalCoordinator } from './local.js';

coordinatorConformance('local (values persisted in a directory)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  const coord = new LocalCoordinator(dir);
  return {
    connect: async (owner) => (owner === undefined ? coord : coord.as(owner)),
    restart: async () => {
      await coord.close();
      return new LocalCoordinator(dir);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

test('values live in one file per key: no temp file stays, an edit by hand is seen, a removed directory is made again', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  try {
    const coord = new LocalCoordinator(path.join(dir, 'coord'));
    assert.equal(await coord.cas('sumdb/x/latest', undefined, 'one'), true);
    assert.equal(await coord.cas('sumdb/x/latest', 'one', 'two'), true);
    assert.deepEqual(await readdir(path.join(dir, 'coord')), ['sumdb%2Fx%2Flatest']);
    // An operator's change (`sumdb trust` from another process) is read, not a remembered value.
    await writeFile(path.join(dir, 'coord', 'sumdb%2Fx%2Flatest'), 'three');
    assert.equal(await coord.get('sumdb/x/latest'), 'three');
    await rm(path.join(dir, 'coord'), { recursive: true });
    assert.equal(await coord.get('sumdb/x/latest'), undefined);
    assert.equal(await coord.cas('sumdb/x/latest', undefined, 'four'), true);
    assert.equal(await readFile(path.join(dir, 'coord', 'sumdb%2Fx%2Flatest'), 'utf8'), 'four');
    await coord.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('opening removes the temp files of processes that are gone, never those of a running one', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  try {
    // This process stands for a server writing a value while a command opens the same directory.
    await writeFile(path.join(dir, `index%2Fhead.tmp-${process.pid}-0a1b2c3d`), 'in flight');
    await writeFile(path.join(dir, 'index%2Fhead.tmp-99999999-0a1b2c3d'), 'left by a crash');
    await writeFile(path.join(dir, 'index%2Fhead.tmp-99999998'), 'left by a crash of an older version');
    await writeFile(path.join(dir, 'index%2Fhead'), 'kept');
    const coord = await LocalCoordinator.open(dir);
    assert.deepEqual((await readdir(dir)).sort(), ['index%2Fhead', `index%2Fhead.tmp-${process.pid}-0a1b2c3d`]);
    assert.equal(await coord.get('index/head'), 'kept');
    await coord.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("two coordinators on one directory in one process never rename away each other's temp file", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  try {
    const a = new LocalCoordinator(dir);
    const b = new LocalCoordinator(dir);
    // Each write of one instance is ordered, but the two interleave: with one temp name per process, one rename
    // moved the other's file and the other failed with ENOENT (a test that restarted a server beside itself).
    for (let i = 0; i < 50; i++) {
      const [x, y] = await Promise.all([a.get('index/head'), b.get('index/head')]);
      await Promise.all([a.cas('index/head', x, `a${i}`), b.cas('index/head', y, `b${i}`)]);
    }
    assert.match((await a.get('index/head')) ?? '', /^[ab]49$/);
    assert.deepEqual(await readdir(dir), ['index%2Fhead']);
    await Promise.all([a.close(), b.close()]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a value whose write failed once (a full or unwritable disk) is read and written again once the disk is back', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  const values = path.join(dir, 'coord');
  try {
    // The values directory cannot be made (a link to nowhere): reads find nothing, the first write fails,
    // as one refused for EACCES or ENOSPC would (root ignores permissions, so a test cannot use them).
    await symlink(path.join(dir, 'nowhere', 'deeper'), values);
    const coord = new LocalCoordinator(values);
    assert.equal(await coord.get('ownlog/x/head'), undefined);
    await assert.rejects(coord.cas('ownlog/x/head', undefined, 'one'));
    // Fixed by the operator.
    await rm(values);
    await mkdir(values);
    assert.equal(await coord.get('ownlog/x/head'), undefined, 'read again, not the old failure');
    assert.equal(await coord.cas('ownlog/x/head', undefined, 'one'), true, 'written again');
    assert.equal(await readFile(path.join(values, 'ownlog%2Fx%2Fhead'), 'utf8'), 'one');
    await coord.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
