// The coordinator over IPC: the conformance suite through a JSON channel (as Node's IPC serialises), and a
// real child process whose leases are dropped the moment it is killed.
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { channelPair } from './channel-pair.js';
import { coordinatorConformance } from './conformance.js';
import { IpcCoordinator, serveCoordinator } from './ipc.js';
import { LocalCoordinator } from './local.js';

coordinatorConformance('over IPC', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-ipc-'));
  let primary = new LocalCoordinator(dir);
  let n = 0;
  const connect = async (owner?: string) => {
    const [workerEnd, primaryEnd] = channelPair();
    serveCoordinator(primary, primaryEnd, owner ?? `w${n++}`);
    return new IpcCoordinator(workerEnd);
  };
  return {
    connect,
    restart: async () => {
      await primary.close();
      primary = new LocalCoordinator(dir);
      return connect();
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

test('a worker killed while holding a lease loses it at once, and the primary keeps serving others', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-kill-'));
  try {
    const script = path.join(dir, 'worker.mts');
    const ipc = fileURLToPath(new URL('./ipc.ts', import.meta.url));
    await writeFile(
      script,
      `import { IpcCoordinator } from ${JSON.stringify(ipc)};
const c = new IpcCoordinator(process);
const l = await c.acquire('fill:x', 60_000);
process.send({ t: 'held', token: l?.token });
setInterval(() => {}, 1000);
`,
    );
    const primary = new LocalCoordinator();
    const child = fork(script, { execArgv: ['--import', 'tsx'], stdio: 'ignore' });
    const detach = serveCoordinator(primary, child, 'worker-1');
    child.on('exit', detach);
    const held = await new Promise<{ token: number }>((resolve) =>
      child.on('message', (m) => (m as { t?: string }).t === 'held' && resolve(m as { token: number })),
    );
    assert.equal((await primary.holder('fill:x'))?.token, held.token);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    assert.equal(await primary.holder('fill:x'), undefined, 'no need to wait 60 s for expiry');
    assert.ok((await primary.acquire('fill:x', 1000)) !== undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a release is one message with no answer, and the lease is free once it is sent', async () => {
  const [workerEnd, primaryEnd] = channelPair();
  const primary = new LocalCoordinator();
  let answers = 0;
  workerEnd.on('message', () => answers++);
  serveCoordinator(primary, primaryEnd, 'w1');
  const worker = new IpcCoordinator(workerEnd);
  const lease = await worker.acquire('fill:x', 60_000);
  assert.ok(lease !== undefined);
  assert.equal(answers, 1);
  await worker.release(lease);
  assert.equal(await primary.holder('fill:x'), undefined);
  await new Promise((r) => setImmediate(r));
  assert.equal(answers, 1, 'the primary does not answer a release');
  assert.ok((await worker.acquire('fill:x', 1000)) !== undefined);
  await worker.close();
});
