// The Redis coordinator against a real Redis (.ci/services/redis.sh): the conformance suite, fencing, racing
// instances, and how its keys look on the server. Outages and restarts: redis-outage.test.ts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { service } from '../../test/helpers/services.js';
import { coordinatorConformance } from './conformance.js';
import type { Coordinator } from './coordinator.js';
import { openRedisCoordinator } from './redis.js';

const redisUrl = async () => (await service('redis', ['REDIS_URL'])).REDIS_URL as string;
/** A prefix per run, so runs sharing one long-lived server never see each other's keys. */
const runPrefix = () => `gmp-test-${randomBytes(6).toString('hex')}:`;

/** Removes every key under a prefix (values never expire, so tests clean up after themselves). */
async function dropPrefix(raw: Redis, prefix: string): Promise<void> {
  const keys = await raw.keys(`${prefix}*`);
  if (keys.length > 0) await raw.del(...keys);
}

coordinatorConformance('redis', async () => {
  const url = await redisUrl();
  const prefix = runPrefix();
  const open = (owner?: string) => openRedisCoordinator(url, { prefix, ...(owner === undefined ? {} : { owner }) });
  return {
    connect: open,
    restart: () => open(),
    cleanup: async () => {
      const raw = new Redis(url);
      await dropPrefix(raw, prefix);
      await raw.quit();
    },
  };
});

describe('Redis coordinator on a shared server', () => {
  let url: string;
  let raw: Redis;
  const prefix = runPrefix();
  const open: Coordinator[] = [];
  const client = async () => {
    const c = await openRedisCoordinator(url, { prefix });
    open.push(c);
    return c;
  };
  before(async () => {
    url = await redisUrl();
    raw = new Redis(url);
  });
  after(async () => {
    for (const c of open) await c.close();
    await dropPrefix(raw, prefix);
    await raw.quit();
  });

  test('a holder whose lease expired can neither renew nor release the lease its successor now holds', async () => {
    const [a, b] = [await client(), await client()];
    const old = await a.acquire('fenced', 200);
    assert.ok(old !== undefined);
    await sleep(500);
    const next = await b.acquire('fenced', 30_000);
    assert.ok(next !== undefined && next.token > old.token);
    assert.equal(await a.renew(old, 30_000), undefined);
    await a.release(old);
    assert.equal((await a.holder('fenced'))?.token, next.token, 'the stale release changed nothing');
    assert.equal(await raw.get(`${prefix}lease:fenced`), String(next.token));
    assert.equal((await b.renew(next, 30_000))?.token, next.token);
    await b.release(next);
    assert.equal(await raw.exists(`${prefix}lease:fenced`), 0);
  });

  test('two instances racing round after round: one winner a round, and every grant a larger token', async () => {
    const [a, b] = [await client(), await client()];
    let last = 0;
    for (let round = 0; round < 20; round++) {
      const name = `race-${round}`;
      const got = await Promise.all([a.acquire(name, 30_000), b.acquire(name, 30_000), a.acquire(name, 30_000), b.acquire(name, 30_000)]);
      const won = got.filter((l) => l !== undefined);
      assert.equal(won.length, 1, `round ${round}`);
      const w = won[0];
      assert.ok(w !== undefined && w.token > last);
      last = w.token;
      await (round % 2 ? a : b).release(w);
    }
  });

  test('a lease key expires on the server by itself; a value key never expires', async () => {
    const c = await client();
    const l = await c.acquire('ttl', 30_000);
    assert.ok(l !== undefined);
    const pttl = await raw.pttl(`${prefix}lease:ttl`);
    assert.ok(pttl > 0 && pttl <= 30_000, `lease PTTL ${pttl}`);
    assert.equal(await c.cas('kept', undefined, 'v'), true);
    assert.equal(await raw.pttl(`${prefix}value:kept`), -1, 'no expiry');
    assert.equal(await c.cas('kept', 'v', 'w'), true);
    assert.equal(await raw.pttl(`${prefix}value:kept`), -1, 'still none after a change');
    await c.release(l);
  });

  test("an owner's list of leases expires with its longest lease, and a released lease leaves it", async () => {
    const owner = `worker-${randomBytes(4).toString('hex')}`;
    const c = await openRedisCoordinator(url, { prefix, owner });
    open.push(c);
    const listed = `${prefix}owner:${owner}`;
    const l = await c.acquire('listed', 30_000);
    assert.ok(l !== undefined);
    assert.equal(await raw.hget(listed, 'listed'), String(l.token));
    const first = await raw.pttl(listed);
    assert.ok(first > 0 && first <= 30_000, `PTTL ${first}`);
    assert.ok((await c.renew(l, 120_000)) !== undefined);
    assert.ok((await raw.pttl(listed)) > 60_000, 'a renewal pushes it out with the lease');
    const short = await c.acquire('listed-short', 1000);
    assert.ok(short !== undefined);
    assert.ok((await raw.pttl(listed)) > 60_000, 'a shorter lease never pulls it in');
    await c.release(l);
    await c.release(short);
    assert.deepEqual(await raw.hgetall(listed), {}, 'nothing is listed once both are given back');
  });

  test('tokens keep growing when the fence counter is lost (it restarts from the server clock)', async () => {
    const c = await client();
    const first = await c.acquire('lost-fence-1', 30_000);
    assert.ok(first !== undefined);
    await raw.del(`${prefix}fence`);
    const second = await c.acquire('lost-fence-2', 30_000);
    assert.ok(second !== undefined && second.token > first.token, `${second?.token} > ${first.token}`);
    await c.release(first);
    await c.release(second);
  });

  test('scripts the server has forgotten (SCRIPT FLUSH, a restart) are sent again', async () => {
    const c = await client();
    await raw.script('FLUSH');
    const l = await c.acquire('flushed', 30_000);
    assert.ok(l !== undefined);
    await raw.script('FLUSH');
    assert.ok((await c.renew(l, 30_000)) !== undefined);
    await raw.script('FLUSH');
    assert.equal(await c.cas('flushed', undefined, 'x'), true);
    await c.release(l);
  });

  test('the key prefix keeps deployments apart on one server', async () => {
    const mine = await client();
    const other = await openRedisCoordinator(url, { prefix: runPrefix() });
    open.push(other);
    assert.ok((await mine.acquire('shared-name', 30_000)) !== undefined);
    assert.ok((await other.acquire('shared-name', 30_000)) !== undefined, 'another prefix, another lease');
    assert.equal(await mine.cas('shared-key', undefined, 'mine'), true);
    assert.equal(await other.get('shared-key'), undefined);
    assert.equal(await raw.get(`${prefix}value:shared-key`), 'mine');
  });
});
