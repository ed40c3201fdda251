// Unit: atomic writes leave no temp file when they fail, and start-up removes the temp files that crashed
// processes left, never those of processes that still run.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { atomicTempName, removeAtomicLeftovers, writeAtomic } from './atomic-file.js';
import { safeHost } from './scratch.js';

/** A pid no process has: above the kernel's pid_max (4194304 at most). */
const DEAD = 9_999_999;

test('a write that fails removes its temp file and keeps the old content', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-atomic-'));
  // A non-empty directory where the file should go: the final rename fails after the temp file is written.
  await mkdir(path.join(dir, 'commit.json'));
  await writeFile(path.join(dir, 'commit.json', 'keep'), 'x');
  await assert.rejects(writeAtomic(path.join(dir, 'commit.json'), 'new head'));
  assert.deepEqual(await readdir(dir), ['commit.json']);
});

test('a successful write leaves only the file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-atomic-'));
  await writeAtomic(path.join(dir, 'signer.key'), 'secret');
  assert.deepEqual(await readdir(dir), ['signer.key']);
});

test('leftovers of dead processes are removed; those of running processes, other files and recent ones of other hosts stay', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-atomic-'));
  const host = safeHost();
  const dead = [`commit.json.tmp-${DEAD}-1700000000000`, `signer.key.tmp-${DEAD}-ab12@${host}`, `value.tmp-${DEAD}`];
  const live = [`commit.json.tmp-${process.ppid}-ab12@${host}`, `value.tmp-${DEAD}-ab12@another-host`, 'commit.json', 'notes.tmp'];
  for (const name of [...dead, ...live]) await writeFile(path.join(dir, name), 'x');
  assert.equal(await removeAtomicLeftovers(dir), dead.length);
  assert.deepEqual((await readdir(dir)).sort(), [...live].sort());
});

test('the temp name says which process on which host writes it', () => {
  const name = atomicTempName('/d/commit.json');
  assert.ok(name.startsWith(`/d/commit.json.tmp-${process.pid}-`));
  assert.ok(name.endsWith(`@${safeHost()}`));
});

test('a directory that does not exist has nothing to remove', async () => {
  assert.equal(await removeAtomicLeftovers(path.join(tmpdir(), 'gmp-atomic-none', 'x')), 0);
});
