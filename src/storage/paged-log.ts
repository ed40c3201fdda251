// An append-only log in a blob store, shared by every process and replica: entries are pages (blobs), and
// the commit point is a compare-and-set of the head in the coordinator ({n, segments, …}). One writer at a
// time holds a lease; each writer writes its pages under its own epoch (the lease's fencing token), so a
// stale writer can never overwrite pages that a newer writer committed: the head's segments say which epoch
// holds which positions. The own checksum database's log and the index feed are built on it.
import type { Coordinator } from '../coord/coordinator.js';
import { isGmpError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import { PAGE_SIZE, decodeRecords, encodeRecords, pageOf } from './record-pages.js';
import type { KeyedRecord, Page } from './record-pages.js';

export interface Segment {
  readonly epoch: number;
  /** First position written in this epoch. */
  readonly from: number;
}

/** What every head holds; a log adds its own fields. */
export interface PagedHead {
  /** Committed records. */
  readonly n: number;
  readonly segments: readonly Segment[];
}

/** The stream of keyed records; a log may keep other streams of pages beside it (stored hashes). */
export const RECORDS = 'r';
const HEAD_TTL_MS = 250;
const MAX_CACHED_PAGES = 512;

export class PagedLog<H extends PagedHead> {
  #head: { raw: string | undefined; head: H; at: number } | undefined;
  readonly #pages = new Map<string, Page<unknown>>();
  readonly #ids = new Map<string, number>();
  #indexed = 0;
  #indexing: Promise<void> | undefined;
  #epoch: number | undefined;

  constructor(
    private readonly store: BlobStore,
    private readonly coord: Coordinator,
    /** The coordinator value holding the head. */
    private readonly headKey: string,
    /** Parses a stored head (undefined: the log is empty); throws on a malformed one. */
    private readonly parse: (raw: string | undefined) => H,
  ) {}

  /** Set while this process holds the writer lease: its fencing token, which names its pages. */
  get epoch(): number | undefined {
    return this.#epoch;
  }

  set epoch(token: number | undefined) {
    if (token !== this.#epoch) this.#head = undefined;
    this.#epoch = token;
  }

  /** The committed head, re-read at most every 250 ms (fresh: now, as the writer needs it). */
  async state(fresh = false): Promise<{ raw: string | undefined; head: H }> {
    const c = this.#head;
    if (!fresh && c !== undefined && Date.now() - c.at < HEAD_TTL_MS) return c;
    let raw: string | undefined;
    try {
      raw = await this.coord.get(this.headKey);
    } catch (err) {
      // Readers keep serving the last head they saw (a consistent one) while the coordinator is unreachable;
      // the writer must not append on it (its commit is a compare-and-set there anyway).
      if (fresh || c === undefined || !isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
      return c;
    }
    this.#head = { raw, head: this.parse(raw), at: Date.now() };
    return this.#head;
  }

  /** Committed record `id` of the head. */
  record(head: H, id: number): Promise<KeyedRecord> {
    return this.entry(RECORDS, id, head.n, head.segments, (s) => s.from <= id, decodeRecords);
  }

  /**
   * Entry `position` of a stream; `fits` picks the segment (the last one whose start is at or before it).
   * `committed`: how many entries of the stream the head commits. Only those are remembered: a page may also
   * hold entries the writer wrote but has not committed, and a failed commit lets it write those positions
   * again with other content, so a page read early must never answer for them later.
   */
  async entry<T>(
    stream: string,
    position: number,
    committed: number,
    segments: readonly Segment[],
    fits: (s: Segment) => boolean,
    decode: (b: Buffer) => Page<T>,
  ): Promise<T> {
    if (position >= committed) throw new Error(`log entry ${position} is not committed`);
    const seg = segmentFor(segments, fits);
    const key = `e${seg.epoch}/${stream}/${pageOf(position)}`;
    const hit = this.#pages.get(key) as Page<T> | undefined;
    // A cached page that is too short (it was partial when read) is read again.
    const fromHit = hit?.entries[position - hit.first];
    if (fromHit !== undefined) return fromHit;
    const buf = await this.store.read(key);
    if (buf === undefined) throw missingPage(key);
    const page = decode(buf);
    if (this.#pages.size >= MAX_CACHED_PAGES) this.#pages.clear();
    this.#pages.set(key, { ...page, entries: page.entries.slice(0, Math.max(0, committed - page.first)) });
    const e = page.entries[position - page.first];
    if (e === undefined) throw new Error(`log page ${key} lacks entry ${position}`);
    return e;
  }

  /** The position of the committed record with this key, if any. */
  async lookupId(key: string): Promise<number | undefined> {
    const { head } = await this.state();
    if (this.#indexed < head.n) {
      this.#indexing ??= this.index(head).finally(() => (this.#indexing = undefined));
      await this.#indexing;
    }
    const id = this.#ids.get(key);
    return id !== undefined && id < head.n ? id : undefined;
  }

  /** Learns the keys of records committed since the last look (every process keeps the index in memory). */
  private async index(head: H): Promise<void> {
    for (let id = this.#indexed; id < head.n; id++) this.#ids.set((await this.record(head, id)).key, id);
    this.#indexed = Math.max(this.#indexed, head.n);
  }

  /** The writer's view for an append: the fresh head and the segments with this epoch's own at the end. */
  async begin(): Promise<{ raw: string | undefined; head: H; segments: readonly Segment[]; segment: Segment }> {
    const epoch = this.#epoch;
    if (epoch === undefined) throw new Error('only the holder of the writer lease may append to the log');
    const { raw, head } = await this.state(true);
    const last = head.segments[head.segments.length - 1];
    // Epochs are lease grants: one that is in the head but no longer last lost its lease to a newer writer,
    // and writing its pages again would overwrite entries it committed.
    if (last?.epoch !== epoch && head.segments.some((s) => s.epoch === epoch)) throw new Error('the log was changed by another writer (lease lost)');
    const segments = last?.epoch === epoch ? head.segments : [...head.segments, { epoch, from: head.n }];
    return { raw, head, segments, segment: segments[segments.length - 1] as Segment };
  }

  /** Writes the records that follow the head's, in this epoch's pages. */
  writeRecords(segment: Segment, start: number, records: readonly KeyedRecord[]): Promise<void> {
    return this.writePages(RECORDS, segment.from, start, records, decodeRecords, encodeRecords);
  }

  /** Rewrites the pages that positions [start, start+entries) touch, keeping this epoch's committed entries. */
  async writePages<T>(
    stream: string,
    segStart: number,
    start: number,
    entries: readonly T[],
    decode: (b: Buffer) => Page<T>,
    encode: (first: number, e: readonly T[]) => Buffer,
  ): Promise<void> {
    const prefix = `e${this.#epoch}/${stream}/`;
    let at = 0;
    while (at < entries.length) {
      const pos = start + at;
      const page = pageOf(pos);
      const pageFirst = Math.max(page * PAGE_SIZE, segStart);
      const room = (page + 1) * PAGE_SIZE - pos;
      const fresh = entries.slice(at, at + room);
      let kept: T[] = [];
      if (pageFirst < pos) {
        const buf = await this.store.read(`${prefix}${page}`);
        if (buf === undefined) throw missingPage(`${prefix}${page}`);
        const old = decode(buf);
        kept = old.entries.slice(0, pos - old.first);
        if (old.first !== pageFirst || kept.length !== pos - pageFirst) throw new Error(`log page ${prefix}${page} does not match the head`);
      }
      await this.store.put(`${prefix}${page}`, encode(pageFirst, [...kept, ...fresh]));
      this.#pages.delete(`${prefix}${page}`);
      at += fresh.length;
    }
  }

  /** The commit point: the head moves from `raw` to `next` unless another writer moved it first. */
  async commit(raw: string | undefined, next: H, records: readonly KeyedRecord[]): Promise<void> {
    const nextRaw = JSON.stringify(next);
    if (!(await this.coord.cas(this.headKey, raw, nextRaw))) throw new Error('the log was changed by another writer (lease lost)');
    this.#head = { raw: nextRaw, head: next, at: Date.now() };
    const from = next.n - records.length;
    for (const [i, r] of records.entries()) this.#ids.set(r.key, from + i);
    if (this.#indexed === from) this.#indexed = next.n;
  }
}

export function segmentFor(segments: readonly Segment[], fits: (s: Segment) => boolean): Segment {
  for (let i = segments.length - 1; i >= 0; i--) if (fits(segments[i] as Segment)) return segments[i] as Segment;
  throw new Error('log head has no segment for that position');
}

/** Checks the fields every head has; a log checks its own. */
export function checkPagedHead(h: PagedHead): void {
  if (!Number.isSafeInteger(h.n) || h.n < 0 || !Array.isArray(h.segments)) throw new Error('malformed log head');
}

/** A page the head commits and the storage lacks: lost, or the coordinator was used with another storage (README). */
function missingPage(key: string): Error {
  return new Error(
    `log page ${key} is missing, though the coordinator's head commits it: the storage lost it, or the coordinator was used with another storage (a storage and its coordinator belong together)`,
  );
}
