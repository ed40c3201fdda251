// A checksum log in a blob store, shared by every process and replica (src/storage/paged-log.ts): record
// pages and stored-hash pages under the writer's epoch, and the head ({n, signed note, segments}) committed
// by compare-and-set in the coordinator.
import type { Coordinator } from '../coord/coordinator.js';
import type { BlobStore } from '../storage/blob-store.js';
import { PagedLog, checkPagedHead } from '../storage/paged-log.js';
import type { PagedHead } from '../storage/paged-log.js';
import type { AppendBatch, LogStorage } from './log-storage.js';
import { decodeHashes, encodeHashes } from './log-pages.js';
import { storedHashCount } from './tlog.js';
import type { Hash } from './tlog.js';

interface Head extends PagedHead {
  readonly note: string;
}

const EMPTY: Head = { n: 0, note: '', segments: [] };
const HASHES = 'h';

export class BlobLogStorage implements LogStorage {
  readonly #log: PagedLog<Head>;

  constructor(store: BlobStore, coord: Coordinator, /** The coordinator value holding the head. */ headKey: string) {
    this.#log = new PagedLog(store, coord, headKey, parseHead);
  }

  /** Set while this process holds the writer lease: its fencing token, which names its pages. */
  get epoch(): number | undefined {
    return this.#log.epoch;
  }

  set epoch(token: number | undefined) {
    this.#log.epoch = token;
  }

  async readHead(): Promise<Buffer | null> {
    const { head } = await this.#log.state();
    return head.note === '' ? null : Buffer.from(head.note, 'base64');
  }

  /** The committed size (for the writer, always fresh from the coordinator). */
  async size(fresh = false): Promise<number> {
    return (await this.#log.state(fresh)).head.n;
  }

  async readHashes(indexes: readonly number[]): Promise<Hash[]> {
    const { head } = await this.#log.state();
    const count = storedHashCount(head.n);
    return Promise.all(
      indexes.map(async (i) => {
        if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`no stored hash ${i}`);
        return this.#log.entry(HASHES, i, count, head.segments, (s) => storedHashCount(s.from) <= i, decodeHashes);
      }),
    );
  }

  async readRecords(id: number, n: number): Promise<Buffer[]> {
    const { head } = await this.#log.state();
    if (!Number.isInteger(id) || !Number.isInteger(n) || id < 0 || n < 0 || id + n > head.n) throw new Error(`no records ${id}…${id + n - 1}`);
    const out: Buffer[] = [];
    for (let i = id; i < id + n; i++) out.push((await this.#log.record(head, i)).text);
    return out;
  }

  lookupId(key: string): Promise<number | undefined> {
    return this.#log.lookupId(key);
  }

  async append(batch: AppendBatch): Promise<void> {
    const { raw, head, segments, segment } = await this.#log.begin();
    if (batch.oldSize !== head.n) throw new Error(`append at ${batch.oldSize} to a log of ${head.n} records`);
    const n = head.n + batch.records.length;
    const hFrom = storedHashCount(head.n);
    if (batch.hashes.length !== storedHashCount(n) - hFrom) throw new Error('append brings the wrong number of hashes');
    // Two streams of pages, independent until the commit names them both: written at once, their durable
    // writes share the store's syncs (a lookup of a version not yet in the log waits for this append). Both
    // end before a failure is thrown: a write still running could land after the next append's of that page.
    const written = await Promise.allSettled([
      this.#log.writeRecords(segment, head.n, batch.records),
      this.#log.writePages(HASHES, storedHashCount(segment.from), hFrom, batch.hashes, decodeHashes, encodeHashes),
    ]);
    for (const w of written) if (w.status === 'rejected') throw w.reason;
    await this.#log.commit(raw, { n, note: batch.head.toString('base64'), segments }, batch.records);
  }
}

function parseHead(raw: string | undefined): Head {
  if (raw === undefined) return EMPTY;
  const h = JSON.parse(raw) as Head;
  checkPagedHead(h);
  if (typeof h.note !== 'string') throw new Error('malformed checksum log head');
  return h;
}
