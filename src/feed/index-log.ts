// The index feed's log: every module version stored here once, in commit order, each stamped with a time
// that grows strictly with that order. It is a paged log in the blob store (src/storage/paged-log.ts) that
// every process reads and one writer appends to; readers always see a prefix of it, so a reader that pages
// with "last timestamp + 1 ns" can never miss an entry committed later: its stamp is larger.
import type { Coordinator } from '../coord/coordinator.js';
import type { BlobStore } from '../storage/blob-store.js';
import { PagedLog, checkPagedHead } from '../storage/paged-log.js';
import type { PagedHead } from '../storage/paged-log.js';
import type { KeyedRecord } from '../storage/record-pages.js';

export interface FeedEntry {
  readonly path: string;
  readonly version: string;
  /** Nanoseconds since the Unix epoch. */
  readonly ts: bigint;
}

interface Head extends PagedHead {
  /** The newest stamp (decimal nanoseconds), '0' for an empty log. */
  readonly last: string;
}

const EMPTY: Head = { n: 0, last: '0', segments: [] };

export class IndexLog {
  readonly #log: PagedLog<Head>;

  constructor(store: BlobStore, coord: Coordinator, headKey: string) {
    this.#log = new PagedLog(store, coord, headKey, parseHead);
  }

  /** The writer's fencing token while this process holds the writer lease. */
  set epoch(token: number | undefined) {
    this.#log.epoch = token;
  }

  /** Committed entries, fresh or as read at most 250 ms ago. */
  async size(fresh = false): Promise<number> {
    return (await this.#log.state(fresh)).head.n;
  }

  /** Whether a version is in the log (the writer checks this before appending). */
  async has(path: string, version: string): Promise<boolean> {
    return (await this.#log.lookupId(keyOf(path, version))) !== undefined;
  }

  /** Up to `limit` entries stamped at or after `since` that `visible` lets through, oldest first. */
  async read(since: bigint, limit: number, visible: (path: string, version: string) => boolean): Promise<FeedEntry[]> {
    const { head } = await this.#log.state();
    if (head.n === 0 || BigInt(head.last) < since) return [];
    const at = (id: number) => this.#log.record(head, id).then(toEntry);
    // Stamps grow with positions: the first entry at or after `since` by binary search.
    let lo = 0;
    let hi = head.n;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if ((await at(mid)).ts < since) lo = mid + 1;
      else hi = mid;
    }
    const out: FeedEntry[] = [];
    for (let id = lo; id < head.n && out.length < limit; id++) {
      const e = await at(id);
      if (visible(e.path, e.version)) out.push(e);
    }
    return out;
  }

  /**
   * Appends versions not yet in the log, in the order given (the caller sorts by when they were stored).
   * Each stamp is the one given, but never in the future and always after the previous entry's, so stamps
   * grow strictly in commit order whatever the clocks of the processes that stored them. Returns how many
   * were appended; only the holder of the writer lease may call it.
   */
  async append(entries: readonly FeedEntry[], now: bigint): Promise<number> {
    const { raw, head, segments, segment } = await this.#log.begin();
    let last = BigInt(head.last);
    const keys = new Set<string>();
    const fresh: KeyedRecord[] = [];
    for (const e of entries) {
      const key = keyOf(e.path, e.version);
      if (keys.has(key) || (await this.#log.lookupId(key)) !== undefined) continue;
      keys.add(key);
      let ts = e.ts > now ? now : e.ts;
      if (ts <= last) ts = last + 1n;
      last = ts;
      fresh.push({ key, text: Buffer.from(ts.toString()) });
    }
    if (fresh.length === 0) return 0;
    await this.#log.writeRecords(segment, head.n, fresh);
    await this.#log.commit(raw, { n: head.n + fresh.length, last: last.toString(), segments }, fresh);
    return fresh.length;
  }
}

/** `<path>@<version>`: module paths never contain '@'. */
const keyOf = (path: string, version: string): string => `${path}@${version}`;

function toEntry(r: KeyedRecord): FeedEntry {
  const at = r.key.lastIndexOf('@');
  return { path: r.key.slice(0, at), version: r.key.slice(at + 1), ts: BigInt(r.text.toString('utf8')) };
}

function parseHead(raw: string | undefined): Head {
  if (raw === undefined) return EMPTY;
  const h = JSON.parse(raw) as Head;
  checkPagedHead(h);
  if (typeof h.last !== 'string' || !/^\d+$/.test(h.last)) throw new Error('malformed index feed head');
  return h;
}
