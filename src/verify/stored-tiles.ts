// Tiles a checksum database's store already holds, for when the database cannot be reached (offline mode,
// an outage): a tile's hashes never change in an honest log, and a partial tile is the prefix of the
// wider or full tile at the same place, so any stored copy answers, whatever its age. Only proven tiles are
// stored there: the ones its client authenticated and the data tiles the relay proved. (`relay/` held the
// unproven copies older versions kept: never read, and removed at start by relay-relics.ts.)
import type { BlobStore } from '../storage/blob-store.js';
import { parseTilePath, tilePath } from '../sumdb/tile.js';
import type { Tile } from '../sumdb/tile.js';
import { HASH_SIZE, pow2 } from '../sumdb/tlog.js';

/**
 * rel is `tile/H/L/NNN[.p/W]`. Looks for that tile, then (for a partial hash tile of width W) the full tile
 * at the same place, answering its first W entries. undefined when nothing stored covers it.
 */
export async function storedTile(store: BlobStore, rel: string): Promise<Buffer | undefined> {
  let tile: Tile;
  try {
    tile = parseTilePath(rel);
  } catch {
    return undefined;
  }
  const exact = await store.read(rel);
  if (exact !== undefined) return exact;
  const full: Tile = { ...tile, w: pow2(tile.h) };
  if (full.w === tile.w || tile.l === -1) return undefined;
  const data = await store.read(tilePath(full));
  return data !== undefined && data.length === full.w * HASH_SIZE ? data.subarray(0, tile.w * HASH_SIZE) : undefined;
}
