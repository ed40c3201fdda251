// Tiles of the transparent log (§7.1, §7.3; x/mod sumdb/tlog tile.go): the tile that holds a stored
// hash, tile paths (`tile/8/0/x001/x234/067.p/5`), the tiles a tree growth creates, and tile contents.
import { HASH_SIZE, nodeHash, pow2, readHashesExactly, shl, shr, splitStoredHashIndex, storedHashIndex } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';

/** W hashes at level l·h, indices n·2^h …; l = -1 names a data tile (the records themselves). */
export interface Tile {
  readonly h: number;
  readonly l: number;
  readonly n: number;
  readonly w: number;
}

export class BadTilePathError extends Error {
  override readonly name = 'BadTilePathError';
  constructor(readonly path: string) {
    super(`malformed tile path ${JSON.stringify(path)}`);
  }
}

/** The tile holding stored hash `index`, at the width that just includes it, plus its byte range in the tile. */
export function tileForIndexRange(h: number, index: number): { tile: Tile; start: number; end: number } {
  if (!(h > 0)) throw new Error(`TileForIndex: invalid height ${h}`);
  let [level, n] = splitStoredHashIndex(index);
  const l = Math.floor(level / h);
  level -= l * h; // level within the tile
  const tn = shr(shl(n, level), h);
  n -= shr(shl(tn, h), level); // index within the tile, at that level
  return {
    tile: { h, l, n: tn, w: shl(n + 1, level) },
    start: shl(n, level) * HASH_SIZE,
    end: shl(n + 1, level) * HASH_SIZE,
  };
}

export function tileForIndex(h: number, index: number): Tile {
  return tileForIndexRange(h, index).tile;
}

// Subtree hashes already computed from one tile's bytes, by the buffer they came from. Every read of hashes
// rebuilds the signed root from tiles (§7.4), so a cold graph of 100 verified modules asked for the same
// subtrees of the same tiles about 70,000 times (docs/performance.md). Keyed by identity: the memo is only
// as right as the bytes are unchanged, and nothing writes to tile data once read.
const subtrees = new WeakMap<Uint8Array, Map<number, Hash>>();

/** The Merkle root of data[start, end): a whole power of two of hashes, aligned to its own size. */
function rangeHash(data: Uint8Array, start: number, end: number, memo: Map<number, Hash>): Hash {
  const size = end - start;
  if (size === HASH_SIZE) return Buffer.from(data.subarray(start, end));
  // Aligned ranges are told apart by where they start and how many hashes they hold (a power of two).
  const key = (start / HASH_SIZE) * 64 + Math.log2(size / HASH_SIZE);
  let h = memo.get(key);
  if (h === undefined) {
    const half = start + size / 2;
    h = nodeHash(rangeHash(data, start, half, memo), rangeHash(data, half, end, memo));
    memo.set(key, h);
  }
  return h;
}

function isPow2(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && 2 ** Math.round(Math.log2(n)) === n;
}

/**
 * The Merkle root of data[start, end) of a tile's bytes (default: all of them), which must be a whole power of
 * two of hashes aligned to its size. Callers MUST NOT modify the result: it may be shared with later calls.
 */
export function tileHash(data: Uint8Array, start = 0, end = data.length): Hash {
  const count = (end - start) / HASH_SIZE;
  if (!isPow2(count) || start % (end - start) !== 0 || start < 0 || end > data.length) throw new Error('bad math in tileHash');
  let memo = subtrees.get(data);
  if (memo === undefined) {
    memo = new Map();
    subtrees.set(data, memo);
  }
  return rangeHash(data, start, end, memo);
}

/** tlog.HashFromTile: the stored hash `index`, computed from the data of tile t. */
export function hashFromTile(t: Tile, data: Uint8Array, index: number): Hash {
  if (t.h < 1 || t.h > 30 || t.l < 0 || t.l >= 64 || t.w < 1 || t.w > pow2(t.h)) {
    throw new Error(`invalid tile ${tilePath(t)}`);
  }
  if (data.length < t.w * HASH_SIZE) throw new Error(`data len ${data.length} too short for tile ${tilePath(t)}`);
  const { tile: t1, start, end } = tileForIndexRange(t.h, index);
  if (t.l !== t1.l || t.n !== t1.n || t.w < t1.w) {
    throw new Error(`index ${index} is in ${tilePath(t1)} not ${tilePath(t)}`);
  }
  return tileHash(data, start, end);
}

/** tlog.NewTiles: the tiles (partial ones at every width) that a tree grown from oldN to newN adds. */
export function newTiles(h: number, oldN: number, newN: number): Tile[] {
  if (!(h > 0)) throw new Error(`NewTiles: invalid height ${h}`);
  const tiles: Tile[] = [];
  for (let level = 0; shr(newN, h * level) > 0; level++) {
    const oldLevelN = shr(oldN, h * level);
    const newLevelN = shr(newN, h * level);
    for (let n = shr(oldLevelN, h); n < shr(newLevelN, h); n++) tiles.push({ h, l: level, n, w: pow2(h) });
    const n = shr(newLevelN, h);
    const maxW = newLevelN - shl(n, h);
    const minW = oldLevelN > shl(n, h) ? oldLevelN - shl(n, h) : 1;
    for (let w = minW; w <= maxW; w++) tiles.push({ h, l: level, n, w });
  }
  return tiles;
}

/** tlog.ReadTileData: the W×32 bytes of a hash tile, read from stored hashes. */
export async function readTileData(t: Tile, r: HashReader): Promise<Buffer> {
  if (t.l < 0) throw new Error('readTileData: data tiles hold records, not hashes');
  const size = t.w === 0 ? pow2(t.h) : t.w;
  const start = shl(t.n, t.h);
  const indexes: number[] = [];
  for (let i = 0; i < size; i++) indexes.push(storedHashIndex(t.h * t.l, start + i));
  return Buffer.concat(await readHashesExactly(r, indexes));
}

/** `tile/<H>/<L|data>/<N in x-prefixed groups of 3>[.p/<W>]`, without a leading slash. */
export function tilePath(t: Tile): string {
  let n = t.n;
  let nStr = String(n % 1000).padStart(3, '0');
  while (n >= 1000) {
    n = Math.floor(n / 1000);
    nStr = `x${String(n % 1000).padStart(3, '0')}/${nStr}`;
  }
  const p = t.w !== pow2(t.h) ? `.p/${t.w}` : '';
  return `tile/${t.h}/${t.l === -1 ? 'data' : t.l}/${nStr}${p}`;
}

/** Go's strconv.Atoi for the small fields here; non-canonical forms are caught by the round trip below. */
function atoi(s: string): number | null {
  return /^[+-]?[0-9]+$/.test(s) ? Number(s) : null;
}

/** tlog.ParseTilePath: accepts only paths that tilePath would produce. */
export function parseTilePath(path: string): Tile {
  const bad = new BadTilePathError(path);
  let f = path.split('/');
  if (f.length < 4 || f[0] !== 'tile') throw bad;
  const h = atoi(f[1] ?? '');
  const isData = f[2] === 'data';
  let l = isData ? 0 : atoi(f[2] ?? '');
  if (h === null || l === null || h < 1 || l < 0 || h > 30) throw bad;
  let w = pow2(h);
  const dotP = f[f.length - 2] ?? '';
  if (dotP.endsWith('.p')) {
    const ww = atoi(f[f.length - 1] ?? '');
    if (ww === null || ww <= 0 || ww >= w) throw bad;
    w = ww;
    f = [...f.slice(0, -2), dotP.slice(0, -2)];
  }
  let n = 0;
  for (const s of f.slice(3)) {
    const nn = atoi(s.startsWith('x') ? s.slice(1) : s);
    if (nn === null || nn < 0 || nn >= 1000) throw bad;
    n = n * 1000 + nn;
  }
  if (!Number.isSafeInteger(n)) throw bad;
  if (isData) l = -1;
  const t: Tile = { h, l, n, w };
  if (path !== tilePath(t)) throw bad;
  return t;
}
