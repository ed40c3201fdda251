// A checksum log in a blob store, shared by every process and replica: record and hash pages are blobs,
// and the commit point is a compare-and-set of the head in the coordinator ({n, signed note, segments}).
// One writer at a time holds a lease; each writer writes its pages under its own epoch (the lease's fencing
// token), so a stale writer can never overwrite pages that a newer writer committed: the head's segments
// say which epoch holds which positions.
import type { Coordinator } from '../coord/coordinator.js';
import { isGmpError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { AppendBatch, LogRecord, LogStorage } from './log-storage.js';
import { PAGE_SIZE, decodeHashes, decodeRecords, encodeHashes, encodeRecords, pageOf } from './log-pages.js';
import type { Page } from './log-pages.js';
import { storedHashCount } from './tlog.js';
import type { Hash } from './tlog.js';

interface Segment {
  readonly epoch: number;
  /** First record id written in this epoch. */
  readonly from: number;
}

interface Head {
  readonly n: number;
  readonly note: string;
  readonly segments: readonly Segment[];
}

const EMPTY: Head = { n: 0, note: '', segments: [] };
const HEAD_TTL_MS = 250;
const MAX_CACHED_PAGES = 512;

export class BlobLogStorage implements LogStorage {
  #head: { raw: string | undefined; head: Head; at: number } | undefined;
  readonly #pages = new Map<string, Page<LogRecord> | Page<Hash>>();
  readonly #ids = new Map<string, number>();
  #indexed = 0;
  #indexing: Promise<void> | undefined;
  #epoch: number | undefined;

  constructor(
    private readonly store: BlobStore,
    private readonly coord: Coordinator,
    /** The coordinator value holding the head. */
    private readonly headKey: string,
  ) {}

  /** Set while this process holds the writer lease: its fencing token, which names its pages. */
  get epoch(): number | undefined {
    return this.#epoch;
  }

  set epoch(token: number | undefined) {
    if (token !== this.#epoch) this.#head = undefined;
    this.#epoch = token;
  }

  private async state(fresh = false): Promise<{ raw: string | undefined; head: Head }> {
    const c = this.#head;
    if (!fresh && c !== undefined && Date.now() - c.at < HEAD_TTL_MS) return c;
    let raw: string | undefined;
    try {
      raw = await this.coord.get(this.headKey);
    } catch (err) {
      // Readers keep serving the last head they saw (a signed, consistent one) while the coordinator is
      // unreachable; the writer must not append on it (the commit is a compare-and-set there anyway).
      if (fresh || c === undefined || !isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
      return c;
    }
    const head = raw === undefined ? EMPTY : parseHead(raw);
    this.#head = { raw, head, at: Date.now() };
    return this.#head;
  }

  async readHead(): Promise<Buffer | null> {
    const { head } = await this.state();
    return head.note === '' ? null : Buffer.from(head.note, 'base64');
  }

  /** The committed size (for the writer, always fresh from the coordinator). */
  async size(fresh = false): Promise<number> {
    return (await this.state(fresh)).head.n;
  }

  async readHashes(indexes: readonly number[]): Promise<Hash[]> {
    const { head } = await this.state();
    const count = storedHashCount(head.n);
    return Promise.all(
      indexes.map(async (i) => {
        if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`no stored hash ${i}`);
        const seg = segmentFor(head.segments, (s) => storedHashCount(s.from) <= i);
        return (await this.entry(`e${seg.epoch}/h/${pageOf(i)}`, i, decodeHashes)) as Hash;
      }),
    );
  }

  async readRecords(id: number, n: number): Promise<Buffer[]> {
    const { head } = await this.state();
    if (!Number.isInteger(id) || !Number.isInteger(n) || id < 0 || n < 0 || id + n > head.n) throw new Error(`no records ${id}…${id + n - 1}`);
    const out: Buffer[] = [];
    for (let i = id; i < id + n; i++) out.push((await this.record(head, i)).text);
    return out;
  }

  private async record(head: Head, id: number): Promise<LogRecord> {
    const seg = segmentFor(head.segments, (s) => s.from <= id);
    return (await this.entry(`e${seg.epoch}/r/${pageOf(id)}`, id, decodeRecords)) as LogRecord;
  }

  /** Entry `position` of a page; a cached page that is too short (it was partial) is read again. */
  private async entry<T>(key: string, position: number, decode: (b: Buffer) => Page<T>): Promise<T> {
    const hit = this.#pages.get(key) as Page<T> | undefined;
    const fromHit = hit?.entries[position - hit.first];
    if (fromHit !== undefined) return fromHit;
    const buf = await this.store.read(key);
    if (buf === undefined) throw new Error(`checksum log page ${key} is missing`);
    const page = decode(buf);
    if (this.#pages.size >= MAX_CACHED_PAGES) this.#pages.clear();
    this.#pages.set(key, page as Page<LogRecord> | Page<Hash>);
    const e = page.entries[position - page.first];
    if (e === undefined) throw new Error(`checksum log page ${key} lacks entry ${position}`);
    return e;
  }

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
  private async index(head: Head): Promise<void> {
    for (let id = this.#indexed; id < head.n; id++) this.#ids.set((await this.record(head, id)).key, id);
    this.#indexed = Math.max(this.#indexed, head.n);
  }

  async append(batch: AppendBatch): Promise<void> {
    const epoch = this.#epoch;
    if (epoch === undefined) throw new Error('only the holder of the writer lease may append to the checksum log');
    const { raw, head } = await this.state(true);
    if (batch.oldSize !== head.n) throw new Error(`append at ${batch.oldSize} to a log of ${head.n} records`);
    const n = head.n + batch.records.length;
    const hFrom = storedHashCount(head.n);
    if (batch.hashes.length !== storedHashCount(n) - hFrom) throw new Error('append brings the wrong number of hashes');
    const last = head.segments[head.segments.length - 1];
    const segments = last?.epoch === epoch ? head.segments : [...head.segments, { epoch, from: head.n }];
    const seg = segments[segments.length - 1] as Segment;
    await this.writePages(`e${epoch}/r/`, seg.from, head.n, batch.records, decodeRecords, encodeRecords);
    await this.writePages(`e${epoch}/h/`, storedHashCount(seg.from), hFrom, batch.hashes, decodeHashes, encodeHashes);
    const next: Head = { n, note: batch.head.toString('base64'), segments };
    const nextRaw = JSON.stringify(next);
    if (!(await this.coord.cas(this.headKey, raw, nextRaw))) throw new Error('the checksum log was changed by another writer (lease lost)');
    this.#head = { raw: nextRaw, head: next, at: Date.now() };
    for (const [i, r] of batch.records.entries()) this.#ids.set(r.key, head.n + i);
    if (this.#indexed === head.n) this.#indexed = n;
  }

  /** Rewrites the pages that positions [start, start+entries) touch, keeping this epoch's committed entries. */
  private async writePages<T>(
    prefix: string,
    segStart: number,
    start: number,
    entries: readonly T[],
    decode: (b: Buffer) => Page<T>,
    encode: (first: number, e: readonly T[]) => Buffer,
  ): Promise<void> {
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
        if (buf === undefined) throw new Error(`checksum log page ${prefix}${page} is missing`);
        const old = decode(buf);
        kept = old.entries.slice(0, pos - old.first);
        if (old.first !== pageFirst || kept.length !== pos - pageFirst) throw new Error(`checksum log page ${prefix}${page} does not match the head`);
      }
      await this.store.put(`${prefix}${page}`, encode(pageFirst, [...kept, ...fresh]));
      this.#pages.delete(`${prefix}${page}`);
      at += fresh.length;
    }
  }
}

function segmentFor(segments: readonly Segment[], fits: (s: Segment) => boolean): Segment {
  for (let i = segments.length - 1; i >= 0; i--) if (fits(segments[i] as Segment)) return segments[i] as Segment;
  throw new Error('checksum log head has no segment for that position');
}

function parseHead(raw: string): Head {
  const h = JSON.parse(raw) as Head;
  if (!Number.isSafeInteger(h.n) || h.n < 0 || typeof h.note !== 'string' || !Array.isArray(h.segments)) throw new Error('malformed checksum log head');
  return h;
}
