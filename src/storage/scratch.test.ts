// Scratch areas: one per instance, and start-up removes only what dead instances left.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Scratch } from './scratch.js';

test('a new instance removes areas of dead processes and loose temp files, never a live instance area', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'gmp-scratch-'));
  try {
    const host = hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
    // A pid that surely ended: a child that has exited.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid as number;
    const dead = path.join(root, `${host}-${deadPid}-0badc0de`);
    await mkdir(dead);
    await writeFile(path.join(dead, 'half.zip'), 'partial');
    await writeFile(path.join(root, '123-abc.tmp'), 'legacy leftover');
    const live = await Scratch.open(root);
    const liveFile = live.scratch.file('zip');
    await writeFile(liveFile.path, 'filling');
    const second = await Scratch.open(root);
    assert.equal(live.removed, 2, 'the dead area file and the loose file');
    assert.equal(second.removed, 0, "a live instance's area is not touched");
    const names = await readdir(root);
    assert.ok(!names.includes(path.basename(dead)));
    assert.ok(names.includes(path.basename(live.scratch.dir)));
    assert.deepEqual(await readdir(live.scratch.dir), [path.basename(liveFile.path)]);
    await liveFile.discard();
    await liveFile.discard();
    await live.scratch.close();
    await second.scratch.close();
    assert.deepEqual(await readdir(root), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
