// Tests for how the client finds a tile: cache, cached full tile, server, then the server's full tile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientTileReader, sharedTiles } from './client-tiles.js';
import { MemoryLogStorage } from './log-storage.js';
import { ServerLog } from './server-log.js';
import { MemoryOps } from './testdata/memory-ops.js';
import { PN_SIGNER, PN_VERIFIER } from './testdata/vectors.js';

const partial = { h: 2, l: 0, n: 0, w: 3 };
const full = { h: 2, l: 0, n: 0, w: 4 };

async function setup() {
  const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
  await log.add(['a', 'b', 'c', 'd'].map((x) => ({ path: x, version: 'v1.0.0', text: Buffer.from(`${x}\n`) })));
  return { log, ops: new MemoryOps(log, PN_VERIFIER) };
}

test('a partial tile comes from a cached full tile without asking the server', async () => {
  const { log, ops } = await setup();
  const whole = await log.tile(full);
  ops.cache.set('PeterNeumann/tile/2/0/000', whole);
  const [data] = await clientTileReader(ops, 'PeterNeumann', 2, sharedTiles()).readTiles([partial]);
  assert.deepEqual(data, whole.subarray(0, 96));
  assert.deepEqual(ops.reads, []);
});

test('when neither the partial nor the full tile can be fetched, the partial tile’s error is reported', async () => {
  const { ops } = await setup();
  ops.intercept = async (path) => {
    throw new Error(`failed ${path}`);
  };
  await assert.rejects(clientTileReader(ops, 'PeterNeumann', 2, sharedTiles()).readTiles([partial]), /failed \/tile\/2\/0\/000\.p\/3/);
  assert.deepEqual(ops.reads, ['/tile/2/0/000.p/3', '/tile/2/0/000']);
});

test('tiles read from the cache are not written back; fetched ones are, and remote-only readers save nothing', async () => {
  const { log, ops } = await setup();
  ops.cache.set('PeterNeumann/tile/2/0/000', await log.tile(full));
  const reader = clientTileReader(ops, 'PeterNeumann', 2, sharedTiles());
  const tiles = [full, { h: 2, l: 1, n: 0, w: 1 }];
  await reader.saveTiles(tiles, await reader.readTiles(tiles));
  assert.deepEqual(ops.writes, ['PeterNeumann/tile/2/1/000.p/1']);
  const remote = clientTileReader(ops, 'PeterNeumann', 2, sharedTiles(), { remoteOnly: true });
  await remote.saveTiles(tiles, await remote.readTiles(tiles));
  assert.deepEqual(ops.writes, ['PeterNeumann/tile/2/1/000.p/1']);
  assert.deepEqual(ops.reads, ['/tile/2/1/000.p/1', '/tile/2/0/000', '/tile/2/1/000.p/1']);
});

test('a tile read from the cache or authenticated once is served from memory: the same bytes, no file read, no fetch', async () => {
  const { log, ops } = await setup();
  ops.cache.set('PeterNeumann/tile/2/0/000', await log.tile(full));
  const shared = sharedTiles();
  const reader = clientTileReader(ops, 'PeterNeumann', 2, shared);
  const upper = { h: 2, l: 1, n: 0, w: 1 };
  const first = await reader.readTiles([full, upper]);
  await reader.saveTiles([full, upper], first);
  ops.cache.clear();
  const again = await clientTileReader(ops, 'PeterNeumann', 2, shared).readTiles([full, upper]);
  assert.deepEqual(again, first, 'the cached and the fetched tile, from memory');
  assert.deepEqual(ops.reads, ['/tile/2/1/000.p/1']);
  // The same buffers each time, so what was computed from them is kept with them (tile.ts).
  const third = await clientTileReader(ops, 'PeterNeumann', 2, shared).readTiles([full, upper]);
  assert.equal(third[0], again[0]);
  assert.equal(third[1], again[1]);
  // A remote-only reader hears the server, never memory.
  await clientTileReader(ops, 'PeterNeumann', 2, shared, { remoteOnly: true }).readTiles([full]);
  assert.deepEqual(ops.reads, ['/tile/2/1/000.p/1', '/tile/2/0/000']);
  // A reader of another client remembers nothing.
  await assert.rejects(
    (async () => {
      ops.intercept = async (path) => {
        throw new Error(`failed ${path}`);
      };
      await clientTileReader(ops, 'PeterNeumann', 2, sharedTiles()).readTiles([full]);
    })(),
    /failed \/tile\/2\/0\/000/,
  );
});
