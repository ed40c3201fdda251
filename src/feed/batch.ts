// The body of a marker naming several module versions for the index feed's writer (batch and intent
// markers): one line per version, `<stamp ns> <escaped module>@<escaped version>`.
import { parseVersionMarker, versionMarker } from '../storage/keys.js';
import type { FeedEntry } from './index-log.js';

/** The lines of a marker; lines that do not name a valid module version with a stamp are skipped. */
export function parseBatch(body: string): FeedEntry[] {
  const out: FeedEntry[] = [];
  for (const line of body.split('\n')) {
    const m = /^(\d{1,30}) (\S+)$/.exec(line);
    const v = m === null ? undefined : parseVersionMarker(m[2] as string);
    if (m !== null && v !== undefined) out.push({ path: v.modulePath, version: v.version, ts: BigInt(m[1] as string) });
  }
  return out;
}

export function formatBatch(entries: readonly FeedEntry[]): string {
  return entries.map((e) => `${e.ts} ${versionMarker(e.path, e.version)}\n`).join('');
}
