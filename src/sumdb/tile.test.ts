// Tests for tiles and the tile-authenticating hash reader against vectors from Go's x/mod sumdb/tlog.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashFromTile, newTiles, parseTilePath, readTileData, tileForIndex, tileHash, tilePath } from './tile.js';
import type { Tile } from './tile.js';
import { InconsistentTileError, tileHashReader } from './tile-hash-reader.js';
import type { TileReader } from './tile-hash-reader.js';
import { formatHash, parseHash, storedHashIndex, treeHash } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';
import { bytes, vectors } from './testdata/vectors.js';

const V = vectors.tlog;
const goHashes = V.storedHashes.map(parseHash);
const reader: HashReader = { readHashes: async (ix) => ix.map((i) => goHashes[i] as Hash) };
const plain = ({ h, l, n, w }: Tile) => ({ h, l, n, w });

/** Serves tiles from Go's stored hashes, records what was read and saved, and can corrupt one tile. */
function tileSource(h: number, corrupt?: string) {
  const reads: string[] = [];
  const saved: string[] = [];
  const tr: TileReader = {
    height: () => h,
    readTiles: async (tiles) =>
      Promise.all(
        tiles.map(async (t) => {
          reads.push(tilePath(t));
          const data = await readTileData(t, reader);
          if (tilePath(t) === corrupt) data[0] = (data[0] ?? 0) ^ 1;
          return data;
        }),
      ),
    saveTiles: async (tiles) => void saved.push(...tiles.map(tilePath)),
  };
  return { tr, reads, saved };
}

describe('tile paths', () => {
  test('paths parse, or are refused, exactly as Go’s ParseTilePath does', () => {
    for (const c of V.tilePaths) {
      if (c.tile === undefined) assert.throws(() => parseTilePath(c.path), { message: c.err }, c.path);
      else assert.deepEqual(plain(parseTilePath(c.path)), plain(c.tile), c.path);
    }
  });

  test('N is written in x-prefixed groups of three and .p/W only for partial tiles', () => {
    assert.equal(tilePath({ h: 8, l: 0, n: 1234067, w: 256 }), 'tile/8/0/x001/x234/067');
    assert.equal(tilePath({ h: 8, l: -1, n: 5, w: 3 }), 'tile/8/data/005.p/3');
    assert.equal(tilePath({ h: 8, l: 2, n: 0, w: 256 }), 'tile/8/2/000');
  });
});

describe('tiles', () => {
  test('TileForIndex names Go’s tile for every height and index, up to 10^12', () => {
    for (const c of V.tileForIndex) {
      const t = tileForIndex(c.h, c.index);
      assert.deepEqual(plain(t), plain(c.tile), `h=${c.h} index=${c.index}`);
      assert.equal(tilePath(t), c.tile.path);
    }
  });

  test('NewTiles lists the tiles a tree growth creates, in Go’s order', () => {
    for (const c of V.newTiles) assert.deepEqual(newTiles(c.h, c.old, c.new).map(tilePath), c.paths ?? [], `${c.h} ${c.old}→${c.new}`);
  });

  test('tile data read from stored hashes is byte-identical to Go’s', async () => {
    for (const c of V.tileData) assert.deepEqual(await readTileData(parseTilePath(c.path), reader), bytes(c.data), c.path);
  });

  test('a hash comes out of any tile wide enough to hold it, and not out of a narrower one', async () => {
    const full = parseTilePath('tile/2/0/001');
    const data = await readTileData(full, reader);
    const x = storedHashIndex(1, 2);
    assert.deepEqual(hashFromTile(full, data, x), goHashes[x]);
    assert.throws(() => hashFromTile({ ...full, w: 1 }, data, x), /is in tile\/2\/0\/001\.p\/2 not tile\/2\/0\/001\.p\/1/);
  });

  test('subtree hashes are kept per tile buffer: asked again they come back as the same object, other bytes never get them', async () => {
    const t = parseTilePath('tile/3/0/000');
    const data = await readTileData(t, reader);
    const left = storedHashIndex(2, 0);
    const half = hashFromTile(t, data, left);
    assert.deepEqual(half, goHashes[left]);
    assert.equal(hashFromTile(t, data, left), half, 'the second answer is the kept one');
    // The whole tile is the subtree one level above it, stored in the tile above.
    const first = tileHash(data);
    assert.deepEqual(first, goHashes[storedHashIndex(3, 0)]);
    assert.equal(tileHash(data), first);
    // Lower subtrees were kept on the way and are right too.
    for (const [level, n] of [
      [1, 1],
      [2, 1],
      [0, 5],
    ] as const) {
      assert.deepEqual(hashFromTile(t, data, storedHashIndex(level, n)), goHashes[storedHashIndex(level, n)]);
    }
    // Equal bytes in another buffer give the same hash; different bytes a different one.
    assert.deepEqual(tileHash(Buffer.from(data)), first);
    const changed = Buffer.from(data);
    changed[0] = (changed[0] as number) ^ 1;
    assert.notDeepEqual(tileHash(changed), first);
    assert.notDeepEqual(hashFromTile(t, changed, storedHashIndex(1, 0)), goHashes[storedHashIndex(1, 0)]);
    // Only whole, aligned powers of two of hashes are subtrees.
    assert.throws(() => tileHash(data, 0, 3 * 32), /bad math/);
    assert.throws(() => tileHash(data, 32, 3 * 32), /bad math/);
    assert.throws(() => tileHash(data, 0, data.length + 64), /bad math/);
    assert.throws(() => tileHash(new Uint8Array(0)), /bad math/);
  });
});

describe('tile hash reader', () => {
  test('reads the same tiles, in the same order, and returns the same hashes as Go', async () => {
    for (const c of V.tileReads) {
      const { tr, reads, saved } = tileSource(c.h);
      const tree = { n: c.n, hash: await treeHash(c.n, reader) };
      const got = await tileHashReader(tree, tr).readHashes(c.indexes);
      assert.deepEqual(got.map(formatHash), c.hashes, `h=${c.h} n=${c.n}`);
      assert.deepEqual(reads, c.reads, `h=${c.h} n=${c.n}`);
      assert.deepEqual(saved, c.reads);
    }
  });

  test('a corrupted subtree tile is refused and nothing is saved', async () => {
    const { tr, saved } = tileSource(2, 'tile/2/0/001.p/3');
    const tree = { n: 7, hash: await treeHash(7, reader) };
    await assert.rejects(tileHashReader(tree, tr).readHashes([0]), InconsistentTileError);
    assert.deepEqual(saved, []);
  });

  test('a corrupted full tile below a trusted one is refused even when two subtrees share a tile', async () => {
    // Go 1.19 accepts this forged leaf: it skips the check for the first tiles after the deduplicated subtree tiles.
    const { tr, reads } = tileSource(2, 'tile/2/0/000');
    const tree = { n: 7, hash: await treeHash(7, reader) };
    await assert.rejects(tileHashReader(tree, tr).readHashes([0]), InconsistentTileError);
    assert.deepEqual(reads, ['tile/2/1/000.p/1', 'tile/2/0/001.p/3', 'tile/2/0/000']);
  });

  test('an index outside the tree is refused', async () => {
    const { tr } = tileSource(2);
    const tree = { n: 7, hash: await treeHash(7, reader) };
    await assert.rejects(tileHashReader(tree, tr).readHashes([storedHashIndex(0, 7)]), /indexes not in tree/);
  });
});
