// The one conformance suite of the Exclusive port (exclusive.ts): coordinator leases and the workers' lock
// files, with several clients competing as separate processes would.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { Exclusive } from './exclusive.js';

export interface ExclusiveFixture {
  /** A client standing for another process. */
  connect(): Promise<Exclusive>;
  /** What the backend does when the process of client `i` (in connect order; negative: from the last) dies. */
  die(i: number): Promise<void>;
  cleanup(): Promise<void>;
}

export function exclusiveConformance(name: string, make: () => Promise<ExclusiveFixture>): void {
  describe(`exclusive conformance: ${name}`, () => {
    let fx: ExclusiveFixture;
    const uniq = (s: string) => `fill:${s}:${randomBytes(6).toString('hex')}`;
    before(async () => {
      fx = await make();
    });
    after(() => fx?.cleanup());

    test('one holder at a time; after its release the next one holds', async () => {
      const [a, b] = [await fx.connect(), await fx.connect()];
      const n = uniq('one');
      const held = await a.tryHold(n);
      assert.ok(held !== undefined);
      assert.equal(await b.tryHold(n), undefined);
      assert.equal(await a.tryHold(n), undefined, 'not even twice by the same client');
      assert.ok((await b.tryHold(uniq('other'))) !== undefined, 'other names are free');
      await held.release();
      const next = await b.tryHold(n);
      assert.ok(next !== undefined);
      // A second release of the first hold must not give the second one away.
      await held.release();
      assert.equal(await a.tryHold(n), undefined);
      await next.release();
    });

    test('many clients racing for one name: exactly one wins', async () => {
      const clients = await Promise.all(Array.from({ length: 8 }, () => fx.connect()));
      const n = uniq('race');
      const got = await Promise.all(clients.map((c) => c.tryHold(n)));
      assert.equal(got.filter((g) => g !== undefined).length, 1);
      await Promise.all(got.map((g) => g?.release()));
    });

    test('a waiter is let go when the name is given back, and gives up when its signal says so', async () => {
      const [a, b] = [await fx.connect(), await fx.connect()];
      const n = uniq('wait');
      const held = await a.tryHold(n);
      assert.ok(held !== undefined);
      await assert.rejects(b.waitUntilFree(n, AbortSignal.timeout(100)), { name: 'TimeoutError' });
      let freed = false;
      const waiting = b.waitUntilFree(n).then(() => (freed = true));
      await sleep(100);
      assert.equal(freed, false, 'still held');
      await held.release();
      await waiting;
      await b.waitUntilFree(n);
      const next = await b.tryHold(n);
      assert.ok(next !== undefined);
      await next.release();
    });

    test('a holder that dies loses its names, and only its own', async () => {
      const [a, b, c] = [await fx.connect(), await fx.connect(), await fx.connect()];
      const [mine, theirs] = [uniq('dead'), uniq('alive')];
      assert.ok((await a.tryHold(mine)) !== undefined);
      const kept = await b.tryHold(theirs);
      assert.ok(kept !== undefined);
      // Clients are numbered in connect order over the whole suite: a is the third from the last. It is
      // dead from here on, and nobody asks it anything.
      await fx.die(-3);
      await c.waitUntilFree(mine, AbortSignal.timeout(5000));
      assert.ok((await c.tryHold(mine)) !== undefined);
      assert.equal(await c.tryHold(theirs), undefined, "a live holder's name stays held");
      await kept.release();
    });
  });
}
