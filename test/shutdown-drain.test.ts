// SIGTERM to `serve` as a rolling restart sends it (deploy/gomodproxy@.service: one process, --workers 1; and
// a primary with workers): the answers in flight finish, and the connections they came on end with them, so
// the process exits as soon as they are sent. A load balancer keeps its connections to a replica open
// (nginx's `keepalive`): were they left open after their last answer, the replica would sit out the whole
// --shutdown-timeout and exit 1 saying requests were still in flight, each replica of a rolling restart. That
// is what an answer still in flight at --shutdown-timeout gets: the process gives up on it, says so, and exits 1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';

let root: string;
let up: FakeUpstream;
const BIG = '/example.com/big/@v/v1.0.0.zip';
const COLD = '/example.com/cold/@v/v1.0.0.zip';

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-drain-'));
  const blob = Buffer.alloc(24 << 20, 7);
  await writeGoproxyDir(path.join(root, 'up'), [
    { path: 'example.com/big', versions: [{ version: 'v1.0.0', files: { 'big.go': 'package big\n', 'blob.bin': blob } }] },
    { path: 'example.com/cold', versions: [{ version: 'v1.0.0', files: { 'cold.go': 'package cold\n' } }] },
  ]);
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const workers of ['1', '2']) {
  test(`--workers ${workers}: SIGTERM lets the answers in flight finish on kept-alive connections, closes those connections, and exits 0 at once`, async () => {
    const data = path.join(root, `data-${workers}`);
    // Far longer than the answers take: an exit before it comes from connections that ended, not from giving up.
    const p = await startProxyProcess({ data, workers, upstream: up.url, sumdb: 'off', 'read-ahead': '0', 'shutdown-timeout': '10m' });
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
    // One connection per request, kept open by the client as a load balancer keeps its own.
    const agent = new Agent({ connections: 1, keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 });
    const other = new Agent({ connections: 1, keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000 });
    let disconnects = 0;
    for (const a of [agent, other]) a.on('disconnect', () => disconnects++);
    try {
      // A cached zip whose answer has begun (its headers read) before SIGTERM: the client reads it slowly.
      const warm = await request(p.url + BIG, { dispatcher: agent });
      await warm.body.dump();
      const big = await request(p.url + BIG, { dispatcher: agent });
      assert.equal(big.statusCode, 200);
      // A cold zip whose answer has not begun: the upstream holds it until SIGTERM was sent.
      let release = false;
      up.faults.set(COLD, { kind: 'until', ready: () => release, ms: 600_000 });
      // The upstream was asked for it by the case before this one too: this request's own ask is the one after those.
      const asked = up.count(COLD);
      const cold = request(p.url + COLD, { dispatcher: other });
      // Awaited below, after SIGTERM: a failure meanwhile is that assertion's, not an unhandled rejection.
      cold.catch(() => undefined);
      await eventually(async () => up.count(COLD) > asked, 'the cold fill reached the upstream');

      p.child.kill('SIGTERM');
      await eventually(async () => p.logs.some((l) => l.includes('shutting down: finishing in-flight requests')), 'the server began to shut down');
      release = true;
      const coldRes = await cold;
      const coldBody = Buffer.from(await coldRes.body.arrayBuffer());
      const bigBody = Buffer.from(await big.body.arrayBuffer());

      assert.equal(coldRes.statusCode, 200);
      assert.equal(sha(coldBody), sha(await readFile(path.join(root, 'up', COLD))));
      assert.equal(sha(bigBody), sha(await readFile(path.join(root, 'up', BIG))));
      assert.equal(coldRes.headers.connection, 'close', 'an answer begun after SIGTERM tells the client the connection ends');
      assert.equal(await exited, 0, p.logs.join('\n'));
      assert.equal(disconnects, 2, 'the server ended both connections');
      assert.deepEqual(
        p.logs.filter((l) => l.includes('shutdown timeout reached')),
        [],
      );
    } finally {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      up.faults.delete(COLD);
      await agent.close();
      await other.close();
    }
  });
}

test('--workers 1: an answer still in flight at --shutdown-timeout: the process gives up on it, says so, and exits 1', async () => {
  const p = await startProxyProcess({
    data: path.join(root, 'data-timeout'),
    workers: '1',
    upstream: up.url,
    sumdb: 'off',
    'read-ahead': '0',
    'shutdown-timeout': '2s',
  });
  const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
  // A cold zip the upstream does not answer while the test runs: its request is in flight for good.
  let done = false;
  up.faults.set(COLD, { kind: 'until', ready: () => done, ms: 600_000 });
  const asked = up.count(COLD);
  const cold = request(`${p.url}${COLD}?held`);
  cold.catch(() => undefined);
  try {
    await eventually(async () => up.count(COLD) > asked, 'the cold fill reached the upstream');
    p.child.kill('SIGTERM');
    assert.equal(await exited, 1, p.logs.join('\n'));
    assert.equal(p.logs.filter((l) => l.includes('shutdown timeout reached; exiting with requests still in flight')).length, 1, p.logs.join('\n'));
  } finally {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    done = true;
    up.faults.delete(COLD);
  }
});
