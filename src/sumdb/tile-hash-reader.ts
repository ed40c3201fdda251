// A HashReader that reads hashes from tiles and trusts them only once they are tied to a signed tree
// (§7.4, x/mod tlog.TileHashReader): (a) the tiles of the tree's complete subtrees must rebuild its root,
// (b) any other tile must be full and hash to its entry in an already-trusted parent tile.
import { hashFromTile, tileForIndex, tileHash, tilePath } from './tile.js';
import type { Tile } from './tile.js';
import { HASH_SIZE, nodeHash, pow2, shl, shr, storedHashIndex, subTreeIndex } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';
import type { Tree } from './tree-note.js';

/** Where tiles come from; saveTiles receives only tiles that have just been authenticated. */
export interface TileReader {
  height(): number;
  /** MUST return one buffer of exactly W×32 bytes per tile, in order, or reject. */
  readTiles(tiles: readonly Tile[]): Promise<Buffer[]>;
  saveTiles(tiles: readonly Tile[], data: readonly Buffer[]): Promise<void>;
}

/** The tile data did not match the signed tree: the server sent something inconsistent. */
export class InconsistentTileError extends Error {
  override readonly name = 'InconsistentTileError';
  constructor() {
    super('downloaded inconsistent tile');
  }
}

const key = (t: Tile): string => `${t.h}/${t.l}/${t.n}/${t.w}`;

/** The tile k levels above t, cut to the width that tree size n has; null if the tree has none there. */
export function tileParent(t: Tile, k: number, n: number): Tile | null {
  const l = t.l + k;
  const tn = shr(t.n, k * t.h);
  let w = pow2(t.h);
  const max = shr(n, l * t.h);
  if (shl(tn, t.h) + w >= max) {
    if (shl(tn, t.h) >= max) return null;
    w = max - shl(tn, t.h);
  }
  return { h: t.h, l, n: tn, w };
}

/** Plans which tiles to read: the tree's subtree tiles first, then parent chains for the wanted indexes. */
function planTiles(tree: Tree, h: number, indexes: readonly number[]) {
  const order = new Map<string, number>();
  const tiles: Tile[] = [];
  const add = (t: Tile): number => {
    order.set(key(t), tiles.length);
    tiles.push(t);
    return tiles.length - 1;
  };
  const stx = subTreeIndex(0, tree.n);
  const stxTile = stx.map((x) => {
    const t = tileParent(tileForIndex(h, x), 0, tree.n);
    if (t === null) throw new Error('bad math in tileHashReader');
    return order.get(key(t)) ?? add(t);
  });
  const trustedCount = tiles.length;
  const limit = storedHashIndex(0, tree.n);
  const indexTile = indexes.map((x) => {
    if (x >= limit) throw new Error('indexes not in tree');
    const tile = tileForIndex(h, x);
    let k = 0;
    for (; ; k++) {
      const p = tileParent(tile, k, tree.n);
      if (p === null) throw new Error(`bad math in tileHashReader: ${tree.n} ${x}`);
      if (order.has(key(p))) break;
    }
    // Tiles below a trusted one are checked against their parent entry, which only works for full tiles.
    for (k--; k >= 0; k--) {
      const p = tileParent(tile, k, tree.n) as Tile;
      if (p.w !== pow2(p.h)) throw new Error(`bad math in tileHashReader: ${tree.n} ${x} ${tilePath(p)}`);
      add(p);
    }
    return order.get(key(tileParent(tile, 0, tree.n) as Tile)) as number;
  });
  return { tiles, order, stx, stxTile, indexTile, trustedCount };
}

export function tileHashReader(tree: Tree, tr: TileReader): HashReader {
  return {
    async readHashes(indexes) {
      const h = tr.height();
      const { tiles, order, stx, stxTile, indexTile, trustedCount } = planTiles(tree, h, indexes);
      const data = await tr.readTiles(tiles);
      if (data.length !== tiles.length) {
        throw new Error(`TileReader returned bad result slice (len=${data.length}, want ${tiles.length})`);
      }
      tiles.forEach((t, i) => {
        if (data[i]?.length !== t.w * HASH_SIZE) {
          throw new Error(`TileReader returned bad result slice (${tilePath(t)} len=${data[i]?.length}, want ${t.w * HASH_SIZE})`);
        }
      });
      const at = (i: number): [Tile, Buffer] => [tiles[i] as Tile, data[i] as Buffer];
      // (a) The subtree tiles must rebuild the signed root.
      let th = hashFromTile(...at(stxTile[stx.length - 1] as number), stx[stx.length - 1] as number);
      for (let i = stx.length - 2; i >= 0; i--) {
        th = nodeHash(hashFromTile(...at(stxTile[i] as number), stx[i] as number), th);
      }
      if (!th.equals(tree.hash)) throw new InconsistentTileError();
      // (b) Every further tile must hash to its entry in its parent, which was trusted before it.
      // Go 1.19 starts this loop at len(stx), which skips tiles whenever two subtrees share a tile;
      // counting distinct subtree tiles checks them all.
      for (let i = trustedCount; i < tiles.length; i++) {
        const [tile, body] = at(i);
        const p = tileParent(tile, 1, tree.n);
        const j = p === null ? undefined : order.get(key(p));
        if (p === null || j === undefined) throw new Error(`bad math in tileHashReader: lost parent of ${tilePath(tile)}`);
        const want = hashFromTile(p, data[j] as Buffer, storedHashIndex(p.l * p.h, tile.n));
        if (!want.equals(tileHash(body))) throw new InconsistentTileError();
      }
      await tr.saveTiles(tiles, data);
      return indexes.map((x, i): Hash => hashFromTile(...at(indexTile[i] as number), x));
    },
  };
}
