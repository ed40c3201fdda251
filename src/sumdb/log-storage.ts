// Storage behind a checksum-database log: records and stored hashes are only ever appended, and the
// signed tree head, written last and atomically, is the commit point. Includes the in-memory store.
import { storedHashCount } from './tlog.js';
import type { Hash } from './tlog.js';

/** One log entry: `key` is `<path>@<version>` (version without /go.mod), `text` the go.sum lines. */
export interface LogRecord {
  readonly key: string;
  readonly text: Buffer;
}

/** Everything one commit adds; record ids and hash positions continue from oldSize. */
export interface AppendBatch {
  /** The committed record count this batch extends. */
  readonly oldSize: number;
  /** Records oldSize, oldSize+1, … in order. */
  readonly records: readonly LogRecord[];
  /** Stored hashes from position storedHashCount(oldSize) on, in order. */
  readonly hashes: readonly Hash[];
  /** The signed note for the tree of oldSize + records.length records. */
  readonly head: Buffer;
}

/**
 * Contract: one writer at a time. A file-backed store appends records and hashes, syncs, then replaces
 * the head (temp file + rename); data past the head's size after a crash is uncommitted and may be cut.
 */
export interface LogStorage {
  /** The committed signed tree head, or null for a log that has never committed. */
  readHead(): Promise<Buffer | null>;
  /** Committed stored hashes by position; MUST reject if any position is not committed. */
  readHashes(indexes: readonly number[]): Promise<Hash[]>;
  /** Committed records id … id+n−1; MUST reject if any is missing. */
  readRecords(id: number, n: number): Promise<Buffer[]>;
  /** The id of the committed record with this key, if any. */
  lookupId(key: string): Promise<number | undefined>;
  /** Commits the batch; MUST reject, changing nothing, unless exactly oldSize records are committed. */
  append(batch: AppendBatch): Promise<void>;
}

/** Keeps the log in memory; for tests and for throwaway databases. */
export class MemoryLogStorage implements LogStorage {
  readonly #records: Buffer[] = [];
  readonly #hashes: Hash[] = [];
  readonly #ids = new Map<string, number>();
  #head: Buffer | null = null;

  async readHead(): Promise<Buffer | null> {
    return this.#head;
  }

  async readHashes(indexes: readonly number[]): Promise<Hash[]> {
    return indexes.map((i) => {
      const h = this.#hashes[i];
      if (h === undefined) throw new Error(`no stored hash ${i}`);
      return h;
    });
  }

  async readRecords(id: number, n: number): Promise<Buffer[]> {
    if (id < 0 || n < 0 || id + n > this.#records.length) throw new Error(`no records ${id}…${id + n - 1}`);
    return this.#records.slice(id, id + n);
  }

  async lookupId(key: string): Promise<number | undefined> {
    return this.#ids.get(key);
  }

  async append(batch: AppendBatch): Promise<void> {
    if (batch.oldSize !== this.#records.length) {
      throw new Error(`append at ${batch.oldSize} to a log of ${this.#records.length} records`);
    }
    const want = storedHashCount(batch.oldSize + batch.records.length) - storedHashCount(batch.oldSize);
    if (batch.hashes.length !== want) throw new Error(`append of ${batch.records.length} records brings ${batch.hashes.length} hashes, want ${want}`);
    // Everything becomes visible at once, as the head replacement makes it in a file-backed store.
    for (const [i, r] of batch.records.entries()) {
      this.#ids.set(r.key, batch.oldSize + i);
      this.#records.push(Buffer.from(r.text));
    }
    this.#hashes.push(...batch.hashes);
    this.#head = batch.head;
  }
}
