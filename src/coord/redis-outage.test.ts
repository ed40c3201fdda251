// The Redis coordinator while its server is stopped and started again (a private server with a password,
// started by .ci/services/redis.sh in a directory and on a port of its own): fail fast, recover, persist.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { OwnService } from '../../test/helpers/own-service.js';
import { ownService } from '../../test/helpers/own-service.js';
import { isGmpError } from '../errors.js';
import type { Coordinator } from './coordinator.js';
import { openRedisCoordinator } from './redis.js';

/** Resolves with f's first success; gives up (rethrowing) after a generous deadline. */
async function eventually<T>(f: () => Promise<T>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > end) throw err;
      await sleep(100);
    }
  }
}

describe('Redis coordinator with a server of its own, stopped and started', () => {
  const password = randomBytes(12).toString('hex');
  let own: OwnService;
  let url: string;
  const open: Coordinator[] = [];
  const client = async (u = url) => {
    const c = await openRedisCoordinator(u, { prefix: 'gmp-outage:' });
    open.push(c);
    return c;
  };
  /** The rejection every call gives while the server is unreachable: the one code, and no password. */
  const unavailable = (c: Coordinator, secret: string) => (err: unknown) =>
    isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') && err.message.includes(c.name) && !err.message.includes(secret);

  before(async () => {
    own = await ownService('redis', (dir, port) => ({ GMP_REDIS_DIR: dir, GMP_REDIS_PORT: String(port), GMP_REDIS_PASSWORD: password }));
    url = (await own.start()).REDIS_URL as string;
    assert.equal(url, `redis://default:${password}@127.0.0.1:${own.port}`);
  });
  after(async () => {
    for (const c of open) await c.close();
    await own?.cleanup();
  });

  test('the name shows host, port and database only; a wrong or missing password fails as unavailable', async () => {
    const c = await client();
    assert.equal(c.name, `redis://127.0.0.1:${own.port}/0`);
    assert.equal(await c.cas('auth', undefined, 'ok'), true);
    const wrong = randomBytes(12).toString('hex');
    const bad = await client(`redis://default:${wrong}@127.0.0.1:${own.port}/0`);
    await assert.rejects(bad.get('auth'), (err: unknown) => unavailable(bad, wrong)(err) && /WRONGPASS/.test(String(err)));
    const none = await client(`redis://127.0.0.1:${own.port}/0`);
    await assert.rejects(none.get('auth'), (err: unknown) => unavailable(none, password)(err) && /NOAUTH/.test(String(err)));
  });

  test('while the server is down every call fails at once with GMP_ERR_COORDINATOR_UNAVAILABLE; the same instance recovers', { timeout: 120_000 }, async () => {
    // A command timeout far beyond the test's: only not queueing while disconnected lets the calls settle.
    const c = await openRedisCoordinator(url, { prefix: 'gmp-outage:', commandTimeoutMs: 3_600_000 });
    open.push(c);
    const lease = await c.acquire('outage', 120_000);
    assert.ok(lease !== undefined);
    assert.equal(await c.cas('outage', undefined, 'before'), true);
    await own.stop();
    // Each call settles while the server is still down: none waits in a queue for it to come back.
    const calls: Array<() => Promise<unknown>> = [
      () => c.acquire('other', 1000),
      () => c.renew(lease, 120_000),
      () => c.holder('outage'),
      () => c.release(lease),
      () => c.get('outage'),
      () => c.cas('outage', 'before', 'during'),
      () => c.casDelete('outage', 'before'),
    ];
    for (const call of calls) await assert.rejects(call(), unavailable(c, password));
    await assert.rejects(
      client().then((fresh) => fresh.get('outage')),
      (err: unknown) => isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE'),
    );
    await own.start();
    assert.equal(await eventually(() => c.get('outage')), 'before', 'the same instance reconnected by itself');
    assert.equal((await c.holder('outage'))?.token, lease.token, 'the lease outlived the restart');
    assert.equal((await c.renew(lease, 120_000))?.token, lease.token);
    await c.release(lease);
    assert.equal(await c.holder('outage'), undefined);
  });

  test('a server that stops answering fails calls after the command timeout, and serves them again once it resumes', async () => {
    const c = await openRedisCoordinator(url, { prefix: 'gmp-outage:', commandTimeoutMs: 300 });
    open.push(c);
    // Set up before the freeze, retried: on a loaded machine even this call may outlast the 300 ms timeout.
    await eventually(async () => {
      await c.cas('frozen', undefined, 'v');
      assert.equal(await c.get('frozen'), 'v');
    });
    const pid = Number(await readFile(path.join(own.dir, 'redis.pid'), 'utf8'));
    process.kill(pid, 'SIGSTOP');
    try {
      await assert.rejects(c.get('frozen'), unavailable(c, password));
      await assert.rejects(c.acquire('frozen', 1000), unavailable(c, password));
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(await eventually(() => c.get('frozen')), 'v');
  });

  test('values and the fence survive a server restart (append-only file)', async () => {
    const a = await client();
    const head = `go.sum database tree\n${'4'.repeat(2000)}\n— sum.golang.org sig\n`;
    assert.equal(await a.cas('tree-head', undefined, head), true);
    assert.equal(await a.cas('distrusted', undefined, ''), true);
    const before = await a.acquire('fill', 30_000);
    assert.ok(before !== undefined);
    await a.close();
    await own.stop();
    await own.start();
    const b = await client();
    assert.equal(await eventually(() => b.get('tree-head')), head);
    assert.equal(await b.get('distrusted'), '');
    const after = await b.acquire('fence-after-restart', 30_000);
    assert.ok(after !== undefined && after.token > before.token, 'tokens continue above those granted before');
  });
});
