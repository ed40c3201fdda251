// What the index feed's writer publishes at one tick of the markers that settled, so that the feed keeps the
// order in which zips were stored: a version found stored waits while a young intent stamped before it still
// misses its zip (being stored, most likely), and goes out anyway once that intent is no longer young.
import type { FeedEntry } from './index-log.js';
import { INTENT_DROP_MS } from './intents.js';

/**
 * What one marker says: the versions it names with their stamps, and when this writer first read it. An
 * intent's `entries` are the versions whose zips it has not found stored yet, last looked for at `checked`;
 * `stored` are those found stored but held back behind an earlier one still missing (a batch marker's held
 * versions are its `entries`).
 */
export interface Seen {
  readonly at: number;
  readonly entries: readonly FeedEntry[];
  readonly intent?: true;
  readonly checked?: number;
  readonly stored?: readonly FeedEntry[];
}

/** A settled marker at this tick: the versions it may publish, an intent's still missing, and whether those hold back later ones. */
export interface Looked {
  readonly key: string;
  readonly seen: Seen;
  readonly ok: readonly FeedEntry[];
  readonly missing: readonly FeedEntry[];
  readonly holds: boolean;
}

/** The versions to publish now, and what becomes of each marker (undefined: removed once they are published). */
export interface Held {
  readonly ready: FeedEntry[];
  readonly next: readonly [string, Seen | undefined][];
}

/** Publishes what is stamped up to the earliest version a holding intent misses; an intent missing versions INTENT_DROP_MS after it was first read drops them. */
export function holdBack(markers: readonly Looked[], now: number): Held {
  const hold = earliest(markers.flatMap((m) => (m.holds ? m.missing : [])));
  const ready: FeedEntry[] = [];
  const next = markers.map(({ key, seen, ok, missing }): [string, Seen | undefined] => {
    ready.push(...(hold === undefined ? ok : ok.filter((e) => e.ts <= hold)));
    const held = hold === undefined ? [] : ok.filter((e) => e.ts > hold);
    if (seen.intent !== true) return [key, held.length === 0 ? undefined : { ...seen, entries: held }];
    const waiting = now - seen.at >= INTENT_DROP_MS ? [] : missing;
    return [key, waiting.length === 0 && held.length === 0 ? undefined : { ...seen, entries: waiting, stored: held }];
  });
  return { ready, next };
}

/** The earliest stamp of these versions (undefined: none). */
function earliest(entries: readonly FeedEntry[]): bigint | undefined {
  let min: bigint | undefined;
  for (const e of entries) if (min === undefined || e.ts < min) min = e.ts;
  return min;
}
