// The one conformance suite every coordinator runs (in-process, over IPC, PostgreSQL, Redis): the contract
// of coordinator.ts, with several clients of one backend competing as separate processes would.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Coordinator } from './coordinator.js';
import { tryHold, waitUntilFree } from './lease.js';

export interface CoordFixture {
  /**
   * A new client of the same backend (for the in-process one, the same instance is fine); with an owner, one
   * whose leases belong to that owner, as a worker's belong to the id its primary gave it.
   */
  connect(owner?: string): Promise<Coordinator>;
  /** A client after the backend's users restarted (values must survive). */
  restart(): Promise<Coordinator>;
  cleanup(): Promise<void>;
}

export function coordinatorConformance(name: string, make: () => Promise<CoordFixture>): void {
  describe(`coordinator conformance: ${name}`, () => {
    let fx: CoordFixture;
    const clients: Coordinator[] = [];
    const client = async (owner?: string) => {
      const c = await fx.connect(owner);
      clients.push(c);
      return c;
    };
    // Names unique per run, so suites can share a long-lived server.
    const uniq = (s: string) => `${s}:${randomBytes(6).toString('hex')}`;
    before(async () => {
      fx = await make();
    });
    after(async () => {
      for (const c of new Set(clients)) await c.close();
      await fx?.cleanup();
    });

    test('one holder at a time: a second acquire gets nothing until release, then a larger token', async () => {
      const [a, b] = [await client(), await client()];
      const n = uniq('fill');
      const l1 = await a.acquire(n, 30_000);
      assert.ok(l1 !== undefined);
      assert.equal(await b.acquire(n, 30_000), undefined);
      assert.equal((await b.holder(n))?.token, l1.token);
      await a.release(l1);
      assert.equal(await b.holder(n), undefined);
      const l2 = await b.acquire(n, 30_000);
      assert.ok(l2 !== undefined && l2.token > l1.token, 'tokens increase');
      await a.release(l1);
      assert.equal((await a.holder(n))?.token, l2.token, 'releasing a stale lease is a no-op');
      await b.release(l2);
    });

    test('an expired lease can be taken over; the old holder can no longer renew it', async () => {
      const [a, b] = [await client(), await client()];
      const n = uniq('expire');
      const l1 = await a.acquire(n, 300);
      assert.ok(l1 !== undefined);
      await sleep(600);
      assert.equal(await b.holder(n), undefined);
      const l2 = await b.acquire(n, 30_000);
      assert.ok(l2 !== undefined && l2.token > l1.token);
      assert.equal(await a.renew(l1, 30_000), undefined);
      await b.release(l2);
    });

    test("a holder whose lease expired cannot renew or release its successor's lease; tokens grow across names", async () => {
      const [a, b] = [await client(), await client()];
      const n = uniq('fence');
      const l1 = await a.acquire(n, 200);
      assert.ok(l1 !== undefined);
      await sleep(500);
      const l2 = await b.acquire(n, 30_000);
      assert.ok(l2 !== undefined && l2.token > l1.token);
      await a.release(l1);
      assert.equal(await a.renew(l1, 30_000), undefined);
      assert.equal(await a.renew({ ...l2, token: l2.token + 1 }, 30_000), undefined, 'only the exact token renews');
      assert.equal((await a.holder(n))?.token, l2.token, 'the successor still holds it');
      const other = await a.acquire(uniq('fence-other'), 1000);
      assert.ok(other !== undefined && other.token > l2.token, 'a later grant of another name has a larger token');
      await a.release(other);
      await b.release(l2);
    });

    test('renewing keeps a lease beyond its first TTL', async () => {
      const [a, b] = [await client(), await client()];
      const n = uniq('renew');
      // Renewed every 600 ms for 3 s, past a 2 s TTL: a renewal may come 1.4 s late on a loaded machine.
      let l = await a.acquire(n, 2000);
      assert.ok(l !== undefined);
      for (let i = 0; i < 5; i++) {
        await sleep(600);
        l = await a.renew(l, 2000);
        assert.ok(l !== undefined, `renewal ${i}`);
      }
      assert.equal(await b.acquire(n, 1000), undefined);
      await a.release(l);
    });

    test('many clients racing for one lease: exactly one wins', async () => {
      const cs = await Promise.all(Array.from({ length: 8 }, () => client()));
      const n = uniq('race');
      const got = await Promise.all(cs.flatMap((c) => [c.acquire(n, 30_000), c.acquire(n, 30_000)]));
      const winners = got.filter((l) => l !== undefined);
      assert.equal(winners.length, 1);
      const w = winners[0];
      if (w !== undefined) await cs[0]?.release(w);
    });

    test('tokens increase with every grant of any lease, and a renewal keeps its token', async () => {
      const [a, b] = [await client(), await client()];
      const tokens: number[] = [];
      for (const c of [a, b, a, b]) {
        const l = await c.acquire(uniq('fence'), 30_000);
        assert.ok(l !== undefined);
        tokens.push(l.token);
        const renewed = await c.renew(l, 30_000);
        assert.equal(renewed?.token, l.token);
        await c.release(l);
        assert.equal(await c.renew(l, 30_000), undefined, 'a released lease cannot be renewed');
      }
      assert.deepEqual(
        tokens,
        [...tokens].sort((x, y) => x - y),
        'each grant has a larger token',
      );
      assert.equal(new Set(tokens).size, tokens.length);
    });

    test('a lease says when it lapses, in wall-clock milliseconds', async () => {
      const [a, b] = [await client(), await client()];
      const n = uniq('expiry');
      const before = Date.now();
      const l = await a.acquire(n, 60_000);
      const after = Date.now();
      assert.ok(l !== undefined);
      assert.ok(l.expiresAt >= before + 60_000 - 1000 && l.expiresAt <= after + 60_000, `acquire: ${l.expiresAt - before}`);
      const h = await b.holder(n);
      assert.ok(h !== undefined && h.expiresAt > Date.now() + 30_000 && h.expiresAt <= Date.now() + 60_000, 'holder');
      const r = await a.renew(l, 120_000);
      assert.ok(r !== undefined && r.expiresAt > Date.now() + 90_000 && r.expiresAt <= Date.now() + 120_000, 'renew');
      await a.release(r);
    });

    test('read-modify-write loops of several clients over compare-and-set lose no update', async () => {
      const cs = await Promise.all(Array.from({ length: 4 }, () => client()));
      const k = uniq('counter');
      const bump = async (c: Coordinator): Promise<void> => {
        for (;;) {
          const cur = await c.get(k);
          if (await c.cas(k, cur, String(Number(cur ?? '0') + 1))) return;
        }
      };
      await Promise.all(
        cs.map(async (c) => {
          for (let i = 0; i < 10; i++) await bump(c);
        }),
      );
      assert.equal(await cs[0]?.get(k), '40');
    });

    test('an empty string is a value, not absence; bad names are refused', async () => {
      const a = await client();
      const k = uniq('empty');
      assert.equal(await a.cas(k, undefined, ''), true);
      assert.equal(await a.get(k), '');
      assert.equal(await a.cas(k, undefined, 'x'), false, 'the key exists');
      assert.equal(await a.cas(k, '', 'x'), true);
      await assert.rejects(a.acquire('has space', 1000), /invalid coordination name/);
      await assert.rejects(a.get(''), /invalid coordination name/);
      await assert.rejects(a.cas(`x${'y'.repeat(600)}`, undefined, 'v'), /invalid coordination name/);
    });

    test('compare-and-set: only the expected value is replaced, and only one of many racers wins', async () => {
      const [a, b] = [await client(), await client()];
      const k = uniq('head');
      assert.equal(await a.get(k), undefined);
      assert.equal(await a.cas(k, 'x', 'y'), false, 'absent is not "x"');
      assert.equal(await a.cas(k, undefined, 'v1'), true);
      assert.equal(await b.get(k), 'v1');
      assert.equal(await b.cas(k, undefined, 'v2'), false);
      const racers = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).cas(k, 'v1', `r${i}`)));
      assert.equal(racers.filter(Boolean).length, 1);
      const winner = await a.get(k);
      assert.match(winner ?? '', /^r\d$/);
      assert.equal(await b.casDelete(k, 'nope'), false);
      assert.equal(await b.casDelete(k, winner ?? ''), true);
      assert.equal(await a.get(k), undefined);
      const big = `tree note\n${'x'.repeat(4000)}\n— sig\n`;
      assert.equal(await a.cas(k, undefined, big), true);
      assert.equal(await b.get(k), big, 'multi-line values of a few KB round-trip exactly');
    });

    test("releaseOwner drops a gone owner's leases at once, and nobody else's", async () => {
      const [gone, alive] = [uniq('worker-gone'), uniq('worker-alive')];
      const [a, b, primary] = [await client(gone), await client(alive), await client()];
      const [n1, n2, n3, n4, n5] = ['one', 'two', 'other', 'taken', 'given'].map(uniq) as [string, string, string, string, string];
      const l1 = await a.acquire(n1, 60_000);
      const l2 = await a.acquire(n2, 60_000);
      const l3 = await b.acquire(n3, 60_000);
      // One the gone owner lost (it lapsed) and the live one took over, and one it gave back itself.
      assert.ok((await a.acquire(n4, 200)) !== undefined);
      await sleep(500);
      const l4 = await b.acquire(n4, 60_000);
      const l5 = await a.acquire(n5, 60_000);
      assert.ok(l1 !== undefined && l2 !== undefined && l3 !== undefined && l4 !== undefined && l5 !== undefined);
      await a.release(l5);
      assert.equal(await primary.releaseOwner(gone), 2);
      assert.equal(await primary.holder(n1), undefined);
      assert.equal(await primary.holder(n2), undefined);
      assert.equal((await primary.holder(n3))?.token, l3.token, "the live owner's lease is kept");
      assert.equal((await primary.holder(n4))?.token, l4.token, 'a lease taken over from the gone owner is kept');
      assert.ok((await b.renew(l3, 60_000)) !== undefined, 'and can still be renewed');
      assert.equal(await a.renew(l1, 60_000), undefined, 'a dropped lease cannot be renewed');
      const again = await primary.acquire(n1, 60_000);
      assert.ok(again !== undefined && again.token > l1.token, 'a dropped lease is free for anyone, with a larger token');
      assert.equal(await primary.releaseOwner(gone), 0, 'nothing is left to drop');
      assert.equal(await primary.releaseOwner(uniq('nobody')), 0);
      for (const [c, l] of [
        [primary, again],
        [b, l3],
        [b, l4],
      ] as const)
        await c.release(l);
    });

    test('values survive a restart', async () => {
      const a = await client();
      const k = uniq('persist');
      assert.equal(await a.cas(k, undefined, 'kept'), true);
      const r = await fx.restart();
      clients.push(r);
      assert.equal(await r.get(k), 'kept');
    });

    test('a held lease is renewed in the background; waiters are released when it is given back', async () => {
      const [a, b] = [await client(), await client()];
      const n = uniq('held');
      // Renewed every 500 ms by the holder; each renewal may come 1 s late on a loaded machine.
      const held = await tryHold(a, n, 1500);
      assert.ok(held !== undefined);
      await sleep(3200);
      assert.equal(held.lost.aborted, false);
      assert.equal(await b.acquire(n, 1000), undefined, 'still held after twice its TTL');
      const waiting = waitUntilFree(b, n, { pollMs: 10 });
      await held.release();
      await waiting;
      assert.ok((await b.acquire(n, 1000)) !== undefined);
    });
  });
}
