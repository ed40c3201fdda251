// The PostgreSQL coordinator against a real server: the conformance suite, replicas racing (each instance
// has a pool of its own, as a replica would), the schema made once by replicas starting together, and
// failures that report GMP_ERR_COORDINATOR_UNAVAILABLE without the password.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { dropPrefix, query, sharedPostgresUrl, uniquePrefix } from '../../test/helpers/postgres.js';
import { isGmpError } from '../errors.js';
import { coordinatorConformance } from './conformance.js';
import { openPostgresCoordinator } from './postgres.js';
import type { PostgresCoordinator } from './postgres.js';

/** These tests are not about timeouts; a loaded machine can take seconds to fork a backend and authenticate. */
const patient = 30_000;

coordinatorConformance('PostgreSQL', async () => {
  const url = await sharedPostgresUrl();
  const prefix = uniquePrefix();
  const open = async (owner?: string) => openPostgresCoordinator(url, { prefix, connectTimeoutMs: patient, ...(owner === undefined ? {} : { owner }) });
  return { connect: open, restart: () => open(), cleanup: () => dropPrefix(url, prefix) };
});

const unavailable = (e: unknown) => isGmpError(e, 'GMP_ERR_COORDINATOR_UNAVAILABLE');

describe('PostgreSQL coordinator', () => {
  let url: string;
  const prefix = uniquePrefix();
  const opened: PostgresCoordinator[] = [];
  const open = (u = url, p = prefix) => {
    const c = openPostgresCoordinator(u, { prefix: p, connectTimeoutMs: patient });
    opened.push(c);
    return c;
  };
  before(async () => {
    url = await sharedPostgresUrl();
  });
  after(async () => {
    for (const c of opened) await c.close();
    await dropPrefix(url, prefix);
  });

  test('replicas starting together on an empty database create the schema once and all work', async () => {
    const p = uniquePrefix();
    const replicas = Array.from({ length: 5 }, () => open(url, p));
    try {
      await Promise.all(replicas.map((r) => r.ready()));
      const granted = await Promise.all(replicas.map((r) => r.acquire('start', 10_000)));
      assert.equal(granted.filter((l) => l !== undefined).length, 1);
    } finally {
      await dropPrefix(url, p);
    }
  });

  test('tables dropped under a running coordinator are made again, and tokens never go backwards', async () => {
    const p = uniquePrefix();
    const c = open(url, p);
    try {
      const earlier = await c.acquire('fence', 60_000);
      assert.ok(earlier !== undefined);
      await dropPrefix(url, p);
      await assert.rejects(c.holder('fence'), unavailable);
      const later = await c.acquire('fence', 60_000);
      assert.ok(later !== undefined && later.token > earlier.token, `${later?.token} > ${earlier.token}`);
    } finally {
      await dropPrefix(url, p);
    }
  });

  test('a prefix may name a schema, with bare table names inside it', async () => {
    const schema = uniquePrefix().slice(0, -1);
    await query(url, `CREATE SCHEMA ${schema}`);
    try {
      const c = open(url, `${schema}.`);
      assert.equal(await c.cas('k', undefined, 'v'), true);
      assert.ok((await c.acquire('l', 10_000)) !== undefined);
      assert.deepEqual(await query(url, `SELECT value FROM ${schema}."values"`), [{ value: 'v' }]);
    } finally {
      await query(url, `DROP SCHEMA ${schema} CASCADE`);
    }
  });

  test('two replicas racing for many leases and one counter: one winner per lease, no lost update', async () => {
    const [a, b] = [open(), open()];
    const names = Array.from({ length: 20 }, (_, i) => `race:${prefix}:${i}`);
    const got = await Promise.all(names.flatMap((n) => [a.acquire(n, 10_000), b.acquire(n, 10_000)]));
    for (let i = 0; i < names.length; i++) assert.equal([got[2 * i], got[2 * i + 1]].filter((l) => l !== undefined).length, 1, names[i]);
    const tokens = got.filter((l) => l !== undefined).map((l) => l.token);
    assert.equal(new Set(tokens).size, tokens.length, 'every grant has its own token');
    const key = `counter:${prefix}`;
    const increment = async (c: PostgresCoordinator) => {
      for (;;) {
        const cur = await c.get(key);
        if (await c.cas(key, cur, String(Number(cur ?? '0') + 1))) return;
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => increment(i % 2 ? a : b)));
    assert.equal(await a.get(key), '40');
  });

  test('a lease reports its expiry on the client clock, counted from before the request', async () => {
    const c = open();
    const t0 = Date.now();
    const l = await c.acquire(`clock:${prefix}`, 60_000);
    const t1 = Date.now();
    assert.ok(l !== undefined);
    assert.ok(l.expiresAt >= t0 + 60_000 && l.expiresAt <= t1 + 60_000, `${l.expiresAt - t0}`);
    const h = await c.holder(l.name);
    assert.ok(h !== undefined && h.expiresAt <= Date.now() + 60_000 && h.token === l.token);
  });

  test('expired lease rows are swept by a later acquire', async () => {
    const n = `sweep:${prefix}`;
    assert.ok((await open().acquire(n, 50)) !== undefined);
    await sleep(200);
    await open().acquire(`sweep-trigger:${prefix}`, 1000); // a new instance sweeps on its first acquire
    const rows = async () => (await query(url, `SELECT count(*)::int AS n FROM "${prefix}leases" WHERE name = $1`, [n]))[0]?.n;
    for (let i = 0; i < 100 && (await rows()) !== 0; i++) await sleep(50);
    assert.equal(await rows(), 0);
  });

  test('a wrong password fails with GMP_ERR_COORDINATOR_UNAVAILABLE naming the cause but not the password', async () => {
    const u = new URL(url);
    u.password = 'not-the-Secret-4711';
    const c = open(u.href);
    assert.equal(c.name, `postgres://${u.hostname}:${u.port}/${u.pathname.slice(1)}`);
    await assert.rejects(c.ready(), (e: Error) => unavailable(e) && /password authentication failed/.test(e.message) && !e.message.includes('4711'));
    assert.ok(!c.name.includes(new URL(url).password));
  });

  test('a port nobody listens on fails calls with GMP_ERR_COORDINATOR_UNAVAILABLE', async () => {
    const c = open('postgres://u:hunter2-secret@127.0.0.1:9/db');
    assert.equal(c.name, 'postgres://127.0.0.1:9/db');
    await assert.rejects(c.get('k'), (e: Error) => unavailable(e) && !e.message.includes('hunter2'));
    await assert.rejects(c.acquire('k', 1000), unavailable);
  });

  test('malformed URLs and prefixes are refused at once without echoing the URL', () => {
    assert.throws(
      () => openPostgresCoordinator('mysql://u:pw-xyz@h/db'),
      (e: Error) => !e.message.includes('pw-xyz'),
    );
    assert.throws(() => openPostgresCoordinator('postgres://u:pw@h/db', { prefix: 'x"; drop table y; --' }), /prefix/);
  });

  test('values with NUL characters are refused as invalid, not reported as an outage', async () => {
    await assert.rejects(open().cas(`nul:${prefix}`, undefined, 'a\0b'), (e: Error) => !unavailable(e) && /NUL/.test(e.message));
  });
});
