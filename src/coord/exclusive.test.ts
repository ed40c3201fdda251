// Both backends of the Exclusive port against its conformance suite, and what only the lock files do: a
// holder that is a real process, killed, and a folder that cannot be used.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { isGmpError } from '../errors.js';
import { channelPair } from './channel-pair.js';
import { exclusiveConformance } from './exclusive-conformance.js';
import { holding, LeaseExclusive, LockWaitTimeout } from './exclusive.js';
import { cannotLock, FileExclusive, releaseHeldBy } from './file-exclusive.js';
import { IpcCoordinator, serveCoordinator } from './ipc.js';
import { LocalCoordinator } from './local.js';

exclusiveConformance("coordinator leases (workers' leases over IPC; the primary drops a dead one's)", async () => {
  const coord = new LocalCoordinator();
  const detach: Array<() => void> = [];
  return {
    connect: async () => {
      const [workerEnd, primaryEnd] = channelPair();
      detach.push(serveCoordinator(coord, primaryEnd, `w${detach.length}`));
      return new LeaseExclusive(new IpcCoordinator(workerEnd));
    },
    die: async (i) => detach.at(i)?.(),
    cleanup: () => coord.close(),
  };
});

exclusiveConformance('lock files of the workers of one primary', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-locks-'));
  const owners: string[] = [];
  return {
    connect: async () => {
      owners.push(`client${owners.length}`);
      return new FileExclusive(dir, owners.at(-1));
    },
    die: async (i) => {
      releaseHeldBy(dir, owners.at(i) as string);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

test('a worker killed while holding a name: it stays held until the primary gives back what that pid held', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-locks-'));
  try {
    const name = 'fill:zip:example.com/m@v1.0.0';
    // A separate process holds the name with its own pid, as a worker does, and then hangs.
    const code = `const { FileExclusive } = await import(${JSON.stringify(new URL('./file-exclusive.ts', import.meta.url).href)});
      const held = await new FileExclusive(${JSON.stringify(dir)}).tryHold(${JSON.stringify(name)});
      console.log(held === undefined ? 'refused' : 'held'); setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const said = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (c) => reject(new Error(`child exited ${c}`)));
    });
    assert.equal(said, 'held');
    const here = new FileExclusive(dir);
    assert.equal(await here.tryHold(name), undefined);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.equal(await here.tryHold(name), undefined, 'a dead holder does not give its names back by itself');
    assert.equal(releaseHeldBy(dir, String(process.pid)), 0, 'names of a live process are not touched by another pid');
    assert.equal(releaseHeldBy(dir, String(child.pid)), 1);
    const held = await here.tryHold(name);
    assert.ok(held !== undefined);
    await held.release();
    assert.deepEqual(await readdir(dir), [], 'a given back name leaves nothing behind');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('lock files where no folder can be made: the coordinator is unavailable (fills degrade), no other error', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-locks-'));
  try {
    await writeFile(path.join(dir, 'file'), 'x');
    const locks = new FileExclusive(path.join(dir, 'file', 'locks'));
    await assert.rejects(locks.tryHold('fill:x'), (err) => isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') && /not usable/.test(err.message));
    await assert.rejects(locks.waitUntilFree('fill:x'), (err) => isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE'));
    // A folder removed under a running worker is made again.
    const gone = new FileExclusive(path.join(dir, 'gone'));
    const held = await gone.tryHold('fill:y');
    assert.ok(held !== undefined);
    await held.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a primary probes its folder before it hands it to workers: a usable one is left as it was, a broken one says why', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-locks-'));
  try {
    assert.equal(cannotLock(dir), undefined);
    assert.deepEqual(await readdir(dir), []);
    await writeFile(path.join(dir, 'file'), 'x');
    assert.match(cannotLock(path.join(dir, 'file')) ?? '', /ENOTDIR/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('holding a name another keeps for longer than the wait fails with LockWaitTimeout naming it, and holds nothing after', async () => {
  const locks = new LeaseExclusive(new LocalCoordinator());
  const other = await locks.tryHold('b');
  assert.ok(other !== undefined);
  let ran = false;
  const err = await holding(locks, ['a', 'b'], 0, async () => {
    ran = true;
  }).catch((e: unknown) => e);
  assert.ok(err instanceof LockWaitTimeout, String(err));
  assert.equal(err.lock, 'b');
  assert.equal(ran, false);
  const a = await locks.tryHold('a');
  assert.ok(a !== undefined, 'the name taken before is given back');
  await a.release();
  await other.release();
});
