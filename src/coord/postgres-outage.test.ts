// The PostgreSQL coordinator when its server goes away: on a private server of this file's own (stopping
// the shared one would break other suites), calls fail fast with GMP_ERR_COORDINATOR_UNAVAILABLE and the
// same coordinator works again once the server is back, with values and leases intact.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PrivatePostgres } from '../../test/helpers/postgres.js';
import { privatePostgres, uniquePrefix } from '../../test/helpers/postgres.js';
import { isGmpError } from '../errors.js';
import type { Coordinator, Lease } from './coordinator.js';
import { openPostgresCoordinator } from './postgres.js';

/** Connect timeout where the test is not about timeouts: a loaded machine can take seconds to fork and authenticate. */
const patient = 30_000;

/** Retries a call while it fails as unavailable, for up to a minute. */
async function eventually<T>(call: () => Promise<T>): Promise<T> {
  for (const deadline = Date.now() + 60_000; ; await sleep(200)) {
    try {
      return await call();
    } catch (err) {
      if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') || Date.now() > deadline) throw err;
    }
  }
}

describe('PostgreSQL coordinator outages', { timeout: 300_000 }, () => {
  let server: PrivatePostgres;
  before(async () => {
    server = await privatePostgres();
  });
  after(async () => {
    await server?.destroy();
  });

  /** Every operation of the port, each expected to fail with the coordinator's unavailable error. */
  const everyCall = (c: Coordinator, lease: Lease) => [
    () => c.acquire('outage:other', 1000),
    () => c.renew(lease, 60_000),
    () => c.release(lease),
    () => c.holder(lease.name),
    () => c.get('outage:value'),
    () => c.cas('outage:value', 'before', 'during'),
    () => c.casDelete('outage:value', 'before'),
  ];
  const assertUnavailable = async (calls: (() => Promise<unknown>)[]) => {
    for (const call of calls) {
      await assert.rejects(call(), (e: Error) => {
        assert.ok(isGmpError(e, 'GMP_ERR_COORDINATOR_UNAVAILABLE'), e.message);
        assert.ok(!e.message.includes(server.password), 'no password in messages');
        return true;
      });
    }
  };

  test('a stopped server fails every call as unavailable; once it is back the same coordinator works', async () => {
    const c = openPostgresCoordinator(server.url, { prefix: uniquePrefix(), connectTimeoutMs: patient });
    try {
      assert.equal(await c.cas('outage:value', undefined, 'before'), true);
      const lease = await c.acquire('outage:lease', 120_000);
      assert.ok(lease !== undefined);
      await server.stop();
      await assertUnavailable(everyCall(c, lease));
      await server.start();
      assert.equal(await c.get('outage:value'), 'before', 'values survive the restart');
      assert.equal((await c.renew(lease, 120_000))?.token, lease.token, 'the lease was kept and is still ours');
      assert.equal(await c.acquire('outage:lease', 1000), undefined);
      await c.release(lease);
      assert.ok((await c.acquire('outage:lease', 1000)) !== undefined);
    } finally {
      await c.close();
    }
  });

  test('a coordinator opened while the server is down creates its schema once the server is up', async () => {
    await server.stop();
    const c = openPostgresCoordinator(server.url, { prefix: uniquePrefix(), connectTimeoutMs: patient });
    try {
      await assert.rejects(c.ready(), (e) => isGmpError(e, 'GMP_ERR_COORDINATOR_UNAVAILABLE'));
      await server.start();
      assert.equal(await c.cas('late', undefined, 'ok'), true);
      assert.equal(await c.get('late'), 'ok');
    } finally {
      await c.close();
    }
  });

  test('a server that accepts connections but never answers fails calls by timeout, not by hanging', async () => {
    const c = openPostgresCoordinator(server.url, { prefix: uniquePrefix(), connectTimeoutMs: 1000, statementTimeoutMs: 1000 });
    try {
      await eventually(() => c.ready()); // a pooled connection, made without hurry
      // Set up before the freeze, retried: on a loaded machine a call may outlast the 1 s timeouts.
      await eventually(async () => {
        await c.cas('frozen:value', undefined, 'before');
        assert.equal(await c.get('frozen:value'), 'before');
      });
      // A fresh name per attempt: one that timed out may still have been granted, to a token never seen.
      let attempt = 0;
      const lease = await eventually(() => c.acquire(`frozen:lease:${attempt++}`, 120_000));
      assert.ok(lease !== undefined);
      const thaw = await server.freeze();
      try {
        // Pooled connections time out on the query; new ones on the connection attempt.
        await assertUnavailable(everyCall(c, lease));
        await Promise.all(Array.from({ length: 6 }, () => assert.rejects(c.get('frozen:value'), (e) => isGmpError(e, 'GMP_ERR_COORDINATOR_UNAVAILABLE'))));
      } finally {
        thaw();
      }
      // Connections made right after the thaw may still hit the 1 s connect timeout on a busy machine.
      assert.equal(await eventually(() => c.get('frozen:value')), 'before');
      assert.equal((await eventually(() => c.holder(lease.name)))?.token, lease.token);
    } finally {
      await c.close();
    }
  });
});
