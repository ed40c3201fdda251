// One claim per data directory, however its path is written; a released claim can be taken again.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { claimDataDir } from './data-dir-claim.js';
import type { DataDirClaim } from './data-dir-claim.js';

function held(r: Awaited<ReturnType<typeof claimDataDir>>): DataDirClaim {
  assert.ok('claim' in r, `expected a claim, got ${JSON.stringify(r)}`);
  return r.claim;
}

test('a claimed data directory is refused to a second claim, by any spelling of its path, naming the holder; released, it can be claimed again', async (t) => {
  if (process.platform !== 'linux') return t.skip('abstract Unix sockets exist on Linux only');
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-claim-'));
  try {
    const data = path.join(dir, 'data');
    await mkdir(data);
    await symlink(data, path.join(dir, 'link'));
    const first = held(await claimDataDir(data, { listen: '127.0.0.1:3000' }));
    for (const spelling of [data, `${dir}/./data/../data`, path.join(dir, 'link'), path.relative(process.cwd(), data)]) {
      assert.deepEqual(await claimDataDir(spelling, { listen: 'x' }), { heldBy: { pid: process.pid, listen: '127.0.0.1:3000', starting: true } }, spelling);
    }
    const other = held(await claimDataDir(path.join(dir, 'other'), { listen: 'y' }));
    await first.release();
    const again = held(await claimDataDir(path.join(dir, 'link'), { listen: 'z' }));
    await again.release();
    await other.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a server asked for port 0 is told as starting with that address until bound, then by the address and port it is bound to', async (t) => {
  if (process.platform !== 'linux') return t.skip('abstract Unix sockets exist on Linux only');
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-claim-'));
  try {
    const first = held(await claimDataDir(dir, { listen: '127.0.0.1:0' }));
    assert.deepEqual(await claimDataDir(dir, { listen: 'x' }), { heldBy: { pid: process.pid, listen: '127.0.0.1:0', starting: true } });
    first.bound('127.0.0.1', 41234);
    assert.deepEqual(await claimDataDir(dir, { listen: 'x' }), { heldBy: { pid: process.pid, listen: '127.0.0.1:41234' } });
    first.bound('::1', 41235);
    assert.deepEqual(await claimDataDir(dir, { listen: 'x' }), { heldBy: { pid: process.pid, listen: '[::1]:41235' } });
    await first.release();
    // A command listens nowhere: it is never starting.
    const command = held(await claimDataDir(dir, { listen: '' }));
    assert.deepEqual(await claimDataDir(dir, { listen: 'x' }), { heldBy: { pid: process.pid, listen: '' } });
    await command.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a data directory not made yet (the first start) is claimed by the path it will have', async (t) => {
  if (process.platform !== 'linux') return t.skip('abstract Unix sockets exist on Linux only');
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-claim-'));
  try {
    await symlink(dir, path.join(dir, 'link'));
    const first = held(await claimDataDir(path.join(dir, 'new', 'data'), { listen: 'a' }));
    assert.ok('heldBy' in (await claimDataDir(path.join(dir, 'link', 'new', 'data'), { listen: 'b' })));
    await first.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('where abstract sockets do not exist, every claim succeeds (no check)', async () => {
  const a = held(await claimDataDir(tmpdir(), { listen: 'a' }, 'darwin'));
  const b = held(await claimDataDir(tmpdir(), { listen: 'b' }, 'darwin'));
  await a.release();
  await b.release();
});
