// The checksum proofs a bundle carries for one database: a signed tree head, the lookup records of its
// module versions, and the tiles that prove each record is in that tree (the same tiles the go command's
// client reads for it, §7.4), gathered through the proxy's /sumdb/ relay and checked while gathered.
import { open, UnverifiedNoteError, verifierList } from '../sumdb/note.js';
import { newVerifier } from '../sumdb/note-keys.js';
import { tilePath } from '../sumdb/tile.js';
import type { Tile } from '../sumdb/tile.js';
import { tileHashReader } from '../sumdb/tile-hash-reader.js';
import type { TileReader } from '../sumdb/tile-hash-reader.js';
import { HASH_SIZE, pow2, recordHash, storedHashIndex } from '../sumdb/tlog.js';
import { parseTree } from '../sumdb/tree-note.js';
import type { Tree } from '../sumdb/tree-note.js';

/** The go command's client reads tiles of height 8 from every database. */
export const TILE_HEIGHT = 8;

export interface SumRecord {
  readonly id: number;
  readonly text: Buffer;
}

/** The tree a signed head names: verified with the database's key when it is known, else read as it is. */
export function headTree(note: Buffer, key: string | undefined): Tree {
  if (key !== undefined) return parseTree(open(note, verifierList(newVerifier(key))).text);
  try {
    return parseTree(open(note, verifierList()).text);
  } catch (err) {
    if (err instanceof UnverifiedNoteError) return parseTree(err.note.text);
    throw err;
  }
}

/** The go.sum lines of a record for a module version: `<path> <version> h1:…` and its `/go.mod` line. */
export function recordHashes(text: Buffer, modulePath: string, version: string): { zip?: string; mod?: string } {
  const out: { zip?: string; mod?: string } = {};
  for (const line of text.toString('utf8').split('\n')) {
    const [p, v, h] = line.split(' ');
    if (p !== modulePath || h === undefined || !h.startsWith('h1:')) continue;
    if (v === version) out.zip = h;
    if (v === `${version}/go.mod`) out.mod = h;
  }
  return out;
}

/**
 * Reads, through fetchTile (a `tile/…` path → its bytes, undefined when absent), every tile that proves the
 * records under tree, and checks each proof. A partial tile the source lacks is cut from the full one.
 */
export async function collectTiles(
  tree: Tree,
  records: ReadonlyArray<SumRecord & { readonly name: string }>,
  fetchTile: (rel: string) => Promise<Buffer | undefined>,
): Promise<Map<string, Buffer>> {
  const tiles = new Map<string, Buffer>();
  const read = async (t: Tile): Promise<Buffer> => {
    const rel = tilePath(t);
    let failure: unknown;
    let data = tiles.get(rel) ?? (await fetchTile(rel).catch((err: unknown) => void (failure = err)));
    // As the go command does: a partial tile that cannot be had is cut from the full one.
    if (data === undefined && t.w !== pow2(t.h))
      data = (await fetchTile(tilePath({ ...t, w: pow2(t.h) })).catch(() => undefined))?.subarray(0, t.w * HASH_SIZE);
    if (data === undefined) throw failure ?? new Error(`${rel} is not available`);
    tiles.set(rel, data);
    return data;
  };
  const reader: TileReader = { height: () => TILE_HEIGHT, readTiles: (ts) => Promise.all(ts.map(read)), saveTiles: async () => {} };
  const hashes = tileHashReader(tree, reader);
  for (const r of records) {
    if (r.id >= tree.n) throw new Error(`${r.name}: record ${r.id} is not in the tree of size ${tree.n}`);
    const [h] = await hashes.readHashes([storedHashIndex(0, r.id)]);
    if (h === undefined || !h.equals(recordHash(r.text))) throw new Error(`${r.name}: the tiles do not prove the record`);
  }
  return tiles;
}
