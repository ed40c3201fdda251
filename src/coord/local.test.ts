// The in-process coordinator against the coordinator conformance suite, memory-only and persisted.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { coordinatorConformance } from './conformance.js';
import { LocalCoordinator } from './local.js';

coordinatorConformance('local (values persisted in a directory)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  const coord = new LocalCoordinator(dir);
  return {
    connect: async () => coord,
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
    await writeFile(path.join(dir, `index%2Fhead.tmp-${process.pid}`), 'in flight');
    await writeFile(path.join(dir, 'index%2Fhead.tmp-99999999'), 'left by a crash');
    await writeFile(path.join(dir, 'index%2Fhead'), 'kept');
    const coord = await LocalCoordinator.open(dir);
    assert.deepEqual((await readdir(dir)).sort(), ['index%2Fhead', `index%2Fhead.tmp-${process.pid}`]);
    assert.equal(await coord.get('index/head'), 'kept');
    await coord.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
