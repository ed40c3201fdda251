// Copies of checksum-database tiles that versions before the proven relay kept unproven under `relay/` in a
// database's store: nothing reads them any more (stored-tiles.ts), so they are removed once, in the
// background after start, by one process at a time (a coordinator lease). Only keys under `relay/` are
// touched: the proven tiles and records live beside it (`tile/…`, `lookup/…`) and are never listed here.
import type { Coordinator } from '../coord/coordinator.js';
import { tryHold } from '../coord/lease.js';
import { listAll } from '../storage/blob-store.js';
import type { BlobStore } from '../storage/blob-store.js';

export const RELICS_PREFIX = 'relay/';
const LEASE_TTL_MS = 60_000;
/** Deletes in flight at once (an object store answers each in a round trip). */
const PARALLEL = 8;

/**
 * Removes every key under `relay/` in the store; the number removed, or undefined when another process holds
 * the lease (it removes them). Stops early, between deletes, when the signal aborts or the lease is lost.
 */
export async function removeRelayRelics(store: BlobStore, coord: Coordinator, db: string, signal?: AbortSignal): Promise<number | undefined> {
  const held = await tryHold(coord, `sumdb-relay-relics:${db}`, LEASE_TTL_MS);
  if (held === undefined) return undefined;
  const stop = signal === undefined ? held.lost : AbortSignal.any([signal, held.lost]);
  let removed = 0;
  try {
    let batch: string[] = [];
    const flush = async () => {
      await Promise.all(batch.map((k) => store.delete(k)));
      removed += batch.length;
      batch = [];
    };
    // Listing is ahead of deleting by at most one batch: a store's listing pages stay valid while the keys
    // behind the cursor go.
    for await (const key of listAll(store, RELICS_PREFIX)) {
      if (stop.aborted) break;
      if (!key.startsWith(RELICS_PREFIX)) continue;
      batch.push(key);
      if (batch.length >= PARALLEL) await flush();
    }
    if (!stop.aborted) await flush();
    return removed;
  } finally {
    await held.release();
  }
}
