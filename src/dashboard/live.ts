// What the Ops view's storage and follow cards show of each process as it is now (not counters over time):
// the module cache's size at its last eviction check, and each followed feed's state; and how the parts of
// the workers of `serve --workers N` combine. Only one process runs an eviction pass at a time, and one
// follows each feed (leases), so the figures are that process's, never a sum of copies.
import type { FeedState } from './api-types.js';

/** One process's view of one followed feed: `following` is whether this process follows it now. */
export type FeedPart = FeedState;

export interface LivePart {
  /** Bytes in the module cache at this process's last eviction check (gomodproxy_cache_store_bytes), and when (ms). */
  readonly store?: { readonly bytes: number; readonly at: number };
  readonly feeds: readonly FeedPart[];
}

/**
 * The whole server from its processes. The store's size is the latest measure (processes take turns running
 * eviction under its lease; an older measure by another one is out of date). A feed's lag and refusal come from
 * the process that follows it now: one that lost the lease keeps what it last saw, which is no longer true.
 * Counts add up over processes.
 */
export function combineLive(parts: readonly LivePart[]): LivePart {
  let store: LivePart['store'];
  for (const p of parts) if (p.store !== undefined && (store === undefined || p.store.at > store.at)) store = p.store;
  const feeds = new Map<string, FeedPart>();
  for (const p of parts) {
    for (const f of p.feeds) {
      const had = feeds.get(f.feed);
      feeds.set(f.feed, had === undefined ? followed(f) : addFeed(had, f));
    }
  }
  return { ...(store === undefined ? {} : { store }), feeds: [...feeds.values()] };
}

/** A part as it counts: its lag and refusal only while it follows the feed. */
function followed(f: FeedPart): FeedPart {
  const { lagSeconds, ...rest } = f;
  return f.following ? f : { ...rest, refused: false };
}

function addFeed(a: FeedPart, b: FeedPart): FeedPart {
  const x = followed(b);
  const entries: Record<string, number> = { ...a.entries };
  for (const [k, n] of Object.entries(x.entries)) entries[k] = (entries[k] ?? 0) + n;
  // Two followers at once only while a lease changes hands: the worse lag and any refusal, not the better.
  const lags = [a.lagSeconds, x.lagSeconds].filter((l): l is number => l !== undefined);
  return {
    feed: a.feed,
    following: a.following || x.following,
    ...(lags.length === 0 ? {} : { lagSeconds: Math.max(...lags) }),
    refused: a.refused || x.refused,
    entries,
    errors: a.errors + x.errors,
  };
}
