// How the client gets tiles (x/mod sumdb client readTile/SaveTiles, §7.1): the cache first, then the
// server; a partial tile falls back to the prefix of the full one. Tiles are cached only once authenticated.
import { ByteLRU, keptBytes } from '../storage/byte-lru.js';
import type { KeptBytes } from '../storage/byte-lru.js';
import type { ClientOps } from './client-ops.js';
import { tilePath } from './tile.js';
import type { Tile } from './tile.js';
import type { TileReader } from './tile-hash-reader.js';
import { HASH_SIZE, pow2 } from './tlog.js';

interface Fetched {
  readonly data: Buffer;
  readonly fromCache: boolean;
}

export interface ClientTileOptions {
  /** Skip the cache and save nothing: used to hear the server's own view when cached tiles disagree with it. */
  readonly remoteOnly?: boolean;
  /**
   * Hold the authenticated tiles here instead of saving them (also with remoteOnly): they were read under a
   * signed tree not yet proven to extend the trusted one, and a fork's tiles must never be kept.
   */
  readonly held?: HeldTiles;
}

/** Tiles authenticated under a tree, waiting for that tree to be proven consistent before they are saved. */
export type HeldTiles = Array<{ readonly tiles: readonly Tile[]; readonly data: readonly Buffer[] }>;

/** Fetches shared by every reader of one client, so concurrent lookups ask for a tile once. */
export type InFlight = Map<string, Promise<Fetched>>;

/**
 * The tiles one client read from its cache or authenticated most recently, by path, in memory: the same
 * Buffer comes back, so the subtree hashes computed from it (tile.ts) are computed once rather than on
 * every lookup, and a lookup reads no file for them. Tiles never change, and these passed the same checks
 * as the cached ones; every read still checks them against the signed tree.
 */
export type RecentTiles = ByteLRU<KeptBytes>;

const TILE_MEMORY = 4 * 1024 * 1024;
/** A full tile of height 8 is 8 KiB; the subtree hashes kept for it take about three times that. */
const TILE_WEIGHT = 4;

/** Keeps an authenticated tile's data among the recent ones (counting the subtree hashes it will carry). */
function keep(recent: RecentTiles, path: string, data: Buffer): Buffer {
  recent.set(path, keptBytes(data, TILE_WEIGHT));
  return data;
}

/** The first W hashes of a full tile's data; wrong-sized data is caught later by the hash reader. */
const prefix = (data: Buffer, t: Tile): Buffer => data.subarray(0, t.w * HASH_SIZE);

async function fetchTile(ops: ClientOps, name: string, tile: Tile, remoteOnly: boolean, recent: RecentTiles): Promise<Fetched> {
  const full: Tile = { ...tile, w: pow2(tile.h) };
  const partial = tile.w !== full.w;
  if (!remoteOnly) {
    const path = tilePath(tile);
    const held = recent.get(path);
    if (held !== undefined) return { data: held.data, fromCache: true };
    try {
      return { data: keep(recent, path, await ops.readCache(`${name}/${path}`)), fromCache: true };
    } catch {
      // Not cached: a cached full tile has the same prefix and was authenticated too.
    }
    if (partial) {
      try {
        return { data: keep(recent, path, prefix(await ops.readCache(`${name}/${tilePath(full)}`), tile)), fromCache: true };
      } catch {
        // Not cached either: ask the server.
      }
    }
  }
  try {
    return { data: await ops.readRemote(`/${tilePath(tile)}`), fromCache: false };
  } catch (err) {
    // A server may drop a partial tile once the full one exists, so any failure falls back to the full tile.
    if (!partial) throw err;
    try {
      return { data: prefix(await ops.readRemote(`/${tilePath(full)}`), tile), fromCache: false };
    } catch {
      throw err;
    }
  }
}

/** What every reader of one client shares. */
export interface SharedTiles {
  readonly inFlight: InFlight;
  readonly recent: RecentTiles;
}

export const sharedTiles = (): SharedTiles => ({ inFlight: new Map(), recent: new ByteLRU(TILE_MEMORY) });

/** A TileReader for one verification; it remembers which tiles came from the cache so they are not rewritten. */
export function clientTileReader(ops: ClientOps, name: string, height: number, shared: SharedTiles, opts: ClientTileOptions = {}): TileReader {
  const { inFlight, recent } = shared;
  const cached = new Set<string>();
  const remoteOnly = opts.remoteOnly ?? false;
  const { held } = opts;
  const read = (tile: Tile): Promise<Fetched> => {
    const key = `${remoteOnly ? 'remote:' : ''}${tilePath(tile)}`;
    let p = inFlight.get(key);
    if (p === undefined) {
      p = fetchTile(ops, name, tile, remoteOnly, recent).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
    }
    return p;
  };
  return {
    height: () => height,
    async readTiles(tiles) {
      const got = await Promise.all(tiles.map(read));
      got.forEach((g, i) => g.fromCache && cached.add(tilePath(tiles[i] as Tile)));
      return got.map((g) => g.data);
    },
    async saveTiles(tiles, data) {
      if (held !== undefined) {
        const fresh = tiles.flatMap((t, i) => (cached.has(tilePath(t)) ? [] : [i]));
        held.push({ tiles: fresh.map((i) => tiles[i] as Tile), data: fresh.map((i) => data[i] as Buffer) });
        return;
      }
      if (remoteOnly) return;
      for (const [i, tile] of tiles.entries()) {
        const path = tilePath(tile);
        if (cached.has(path)) continue;
        cached.add(path);
        keep(recent, path, data[i] as Buffer);
        // A failed cache write only costs a refetch later, so it is logged rather than failing the lookup.
        await ops.writeCache(`${name}/${path}`, data[i] as Buffer).catch((err: unknown) => ops.log(`sumdb: caching ${path}: ${String(err)}`));
      }
    },
  };
}
