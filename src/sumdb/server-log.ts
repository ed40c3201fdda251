// The server side of a checksum database (§7.1, x/mod sumdb.Server over ServerOps): an append-only log
// that assigns record ids, stores hashes, signs tree heads, and answers /latest, /lookup and /tile.
import { gmpError } from '../errors.js';
import { isValidRecordText } from './encoding.js';
import type { AppendBatch, LogRecord, LogStorage } from './log-storage.js';
import { newSigner, newVerifier } from './note-keys.js';
import type { Signer } from './note-keys.js';
import { open, sign, verifierList } from './note.js';
import type { Verifiers } from './note.js';
import { readTileData } from './tile.js';
import type { Tile } from './tile.js';
import { EMPTY_TREE_HASH, pow2, shl, shr, storedHashCount, storedHashesForRecordHash, recordHash, treeHash } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';
import { formatRecord, formatTree, parseTree } from './tree-note.js';
import type { Tree } from './tree-note.js';

export interface NewRecord {
  readonly path: string;
  /** Without the /go.mod suffix. */
  readonly version: string;
  /** The go.sum lines; valid record text (ends in \n, no blank line, no control characters). */
  readonly text: Buffer;
}

export interface ServerLogOptions {
  /** Called when a lookup misses: the record to append for path@version, or undefined for 404. */
  readonly gosum?: (path: string, version: string) => Promise<Buffer | undefined>;
  /**
   * How a lookup adds a missing record (default: this log's own add). A process that is not the log's
   * writer hands the record to the writer and resolves once it is committed.
   */
  readonly submit?: (records: readonly NewRecord[]) => Promise<void>;
}

interface Head {
  readonly tree: Tree;
  readonly note: Buffer;
}

const recordKey = (path: string, version: string): string => `${path}@${version}`;

interface Waiting {
  readonly records: readonly NewRecord[];
  readonly resolve: (ids: number[]) => void;
  readonly reject: (err: unknown) => void;
}

/** A log over storage. Only one process may add to it at a time; every process may serve it. */
export class ServerLog {
  readonly #storage: LogStorage;
  readonly #signer: Signer;
  readonly #verifiers: Verifiers;
  readonly #gosum: ServerLogOptions['gosum'];
  readonly #submit: ServerLogOptions['submit'];
  /** The last head read, opened once: the storage is read on every request (other processes append). */
  #head: Head | undefined;
  /** Adds waiting for the append in progress: the next append takes them all, in one commit. */
  #waiting: Waiting[] = [];
  #appending = false;
  /** The database name and the verifier key clients configure (GOSUMDB="<verifierKey> <url>"). */
  readonly name: string;
  readonly verifierKey: string;

  constructor(storage: LogStorage, signerKey: string, options: ServerLogOptions = {}) {
    const signer = newSigner(signerKey);
    this.#storage = storage;
    this.#signer = signer;
    this.#verifiers = verifierList(newVerifier(signer.verifierKey));
    this.#gosum = options.gosum;
    this.#submit = options.submit;
    this.name = signer.name;
    this.verifierKey = signer.verifierKey;
  }

  /** The signed tree note served at /latest; an empty log gets a freshly signed empty tree. */
  async signedTree(): Promise<Buffer> {
    return (await this.#currentHead()).note;
  }

  async tree(): Promise<Tree> {
    return (await this.#currentHead()).tree;
  }

  async #currentHead(): Promise<Head> {
    const note = await this.#storage.readHead();
    if (note === null) {
      this.#head ??= { tree: { n: 0, hash: EMPTY_TREE_HASH }, note: sign(formatTree({ n: 0, hash: EMPTY_TREE_HASH }), [this.#signer]) };
      return this.#head;
    }
    if (this.#head !== undefined && this.#head.note.equals(note)) return this.#head;
    // Our own key signed it, so opening it also catches a head written with another key.
    this.#head = { tree: parseTree(open(note, this.#verifiers).text), note };
    return this.#head;
  }

  /**
   * Appends the records not yet in the log, in one commit; returns every record's id. Adds are serialized, and
   * those that arrive while an append is being made durable go together in the next one (a group commit): an
   * append is a few durable writes and a compare-and-set, so concurrent lookups of versions not yet in the log
   * (a go command verifying a cold graph asks several at once) each waited for all the appends before theirs.
   */
  add(records: readonly NewRecord[]): Promise<number[]> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ records, resolve, reject });
      if (!this.#appending) void this.#appendWaiting();
    });
  }

  async #appendWaiting(): Promise<void> {
    this.#appending = true;
    try {
      while (this.#waiting.length > 0) {
        const group = this.#waiting.splice(0);
        let ids: number[];
        try {
          ids = await this.#append(group.flatMap((g) => g.records));
        } catch (err) {
          if (group.length === 1) (group[0] as Waiting).reject(err);
          // One add's fault (a record that differs from the log's, invalid text) is not the others': each alone.
          else for (const g of group) await this.#append(g.records).then(g.resolve, g.reject);
          continue;
        }
        let at = 0;
        for (const g of group) {
          g.resolve(ids.slice(at, at + g.records.length));
          at += g.records.length;
        }
      }
    } finally {
      this.#appending = false;
    }
  }

  async #append(records: readonly NewRecord[]): Promise<number[]> {
    const head = await this.#currentHead();
    const oldSize = head.tree.n;
    const ids: number[] = [];
    const fresh: LogRecord[] = [];
    const pending: Hash[] = [];
    const base = storedHashCount(oldSize);
    const reader: HashReader = {
      readHashes: async (ix) => {
        const old = await this.#storage.readHashes(ix.filter((i) => i < base));
        return ix.map((i) => (i < base ? old.shift() : pending[i - base]) as Hash);
      },
    };
    const batchIds = new Map<string, number>();
    for (const r of records) {
      const key = recordKey(r.path, r.version);
      const known = batchIds.get(key) ?? (await this.#storage.lookupId(key));
      if (known !== undefined) {
        await this.#sameRecord(known, r, fresh, oldSize);
        ids.push(known);
        continue;
      }
      if (!isValidRecordText(r.text)) throw gmpError('GMP_ERR_REQUEST_INVALID', `invalid record text for ${key}`);
      const id = oldSize + fresh.length;
      pending.push(...(await storedHashesForRecordHash(id, recordHash(r.text), reader)));
      fresh.push({ key, text: r.text });
      batchIds.set(key, id);
      ids.push(id);
    }
    if (fresh.length === 0) return ids;
    const tree = { n: oldSize + fresh.length, hash: await treeHash(oldSize + fresh.length, reader) };
    const batch: AppendBatch = { oldSize, records: fresh, hashes: pending, head: sign(formatTree(tree), [this.#signer]) };
    await this.#storage.append(batch);
    this.#head = { tree, note: batch.head };
    return ids;
  }

  /** A module version's record never changes, so a different text for a known key is refused. */
  async #sameRecord(id: number, r: NewRecord, fresh: readonly LogRecord[], oldSize: number): Promise<void> {
    const text = id >= oldSize ? fresh[id - oldSize]?.text : (await this.#storage.readRecords(id, 1))[0];
    if (text === undefined || !text.equals(r.text)) {
      throw gmpError('GMP_ERR_CHECKSUM_MISMATCH', `${r.path}@${r.version}: the log already holds a different record`);
    }
  }

  /** GET /lookup/<path>@<version>: `<id>\n<record>\n<signed tree note>`; GMP_ERR_NOT_FOUND when absent. */
  async lookup(path: string, version: string): Promise<Buffer> {
    let head = await this.#currentHead();
    let id = await this.#storage.lookupId(recordKey(path, version));
    if (id === undefined || id >= head.tree.n) {
      const text = this.#gosum === undefined ? undefined : await this.#gosum(path, version);
      if (text === undefined) throw gmpError('GMP_ERR_NOT_FOUND', `${path}@${version}: not found`);
      if (this.#submit === undefined) [id] = await this.add([{ path, version, text }]);
      else {
        await this.#submit([{ path, version, text }]);
        id = await this.#storage.lookupId(recordKey(path, version));
        if (id === undefined) throw gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', `${path}@${version}: the checksum log's writer did not record it in time`);
      }
      head = await this.#currentHead();
    }
    const [record] = await this.#storage.readRecords(id as number, 1);
    return Buffer.concat([formatRecord(id as number, record as Buffer), head.note]);
  }

  /** GET /tile/…: W×32 hash bytes, or for data tiles each record followed by "\n" (no id lines). */
  async tile(t: Tile): Promise<Buffer> {
    const { n } = (await this.#currentHead()).tree;
    const start = shl(t.n, t.h);
    if (t.l === -1) {
      if (start + t.w > n) throw gmpError('GMP_ERR_NOT_FOUND', `tile ${t.h}/data/${t.n} width ${t.w} is beyond the tree`);
      const records = await this.#storage.readRecords(start, t.w);
      return Buffer.concat(records.flatMap((r) => [r, Buffer.from('\n')]));
    }
    // Only the rightmost tile of a level is partial, and only up to the width the tree has there.
    if (t.w > shr(n, t.l * t.h) - start || t.w > pow2(t.h)) {
      throw gmpError('GMP_ERR_NOT_FOUND', `tile ${t.h}/${t.l}/${t.n} width ${t.w} is beyond the tree`);
    }
    return readTileData(t, this.#storage);
  }
}
