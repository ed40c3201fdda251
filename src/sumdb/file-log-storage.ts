// A durable LogStorage on the filesystem: records, their end offsets and the stored hashes are
// appended to three files and synced; a small commit file, replaced atomically, is the commit point.
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { writeAtomic } from '../storage/atomic-file.js';
import type { AppendBatch, LogRecord, LogStorage } from './log-storage.js';
import { HASH_SIZE, storedHashCount } from './tlog.js';
import type { Hash } from './tlog.js';

interface Commit {
  /** Committed records. */
  readonly n: number;
  /** Committed bytes of records.dat. */
  readonly dataBytes: number;
  /** Committed bytes of keys.txt (one `<path>@<version>` per line, in record order). */
  readonly keyBytes: number;
  /** The signed tree note, base64. */
  readonly head: string;
}

const OFFSET_SIZE = 8;
const EMPTY: Commit = { n: 0, dataBytes: 0, keyBytes: 0, head: '' };

export class FileLogStorage implements LogStorage {
  #commit: Commit = EMPTY;
  readonly #ids = new Map<string, number>();

  private constructor(
    private readonly dir: string,
    private readonly data: FileHandle,
    private readonly offsets: FileHandle,
    private readonly hashes: FileHandle,
    private readonly keys: FileHandle,
  ) {}

  /** Opens (or creates) the log in dir, cutting anything a crash left past the last commit. */
  static async open(dir: string): Promise<FileLogStorage> {
    await mkdir(dir, { recursive: true });
    const handle = async (name: string) => {
      await writeFile(path.join(dir, name), '', { flag: 'a' });
      return open(path.join(dir, name), 'r+');
    };
    const s = new FileLogStorage(dir, await handle('records.dat'), await handle('records.idx'), await handle('hashes.dat'), await handle('keys.txt'));
    await s.#load();
    return s;
  }

  async close(): Promise<void> {
    await Promise.all([this.data.close(), this.offsets.close(), this.hashes.close(), this.keys.close()]);
  }

  async #load(): Promise<void> {
    const raw = await readFile(path.join(this.dir, 'commit.json'), 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    this.#commit = raw === undefined ? EMPTY : (JSON.parse(raw) as Commit);
    const { n, dataBytes, keyBytes } = this.#commit;
    await this.data.truncate(dataBytes);
    await this.keys.truncate(keyBytes);
    await this.offsets.truncate(n * OFFSET_SIZE);
    await this.hashes.truncate(storedHashCount(n) * HASH_SIZE);
    const keys = (await readExactly(this.keys, 0, keyBytes)).toString('utf8').split('\n').slice(0, n);
    if (keys.length !== n) throw new Error(`checksum log in ${this.dir}: ${keys.length} keys for ${n} records`);
    keys.forEach((k, id) => this.#ids.set(k, id));
  }

  async readHead(): Promise<Buffer | null> {
    return this.#commit.n === 0 && this.#commit.head === '' ? null : Buffer.from(this.#commit.head, 'base64');
  }

  async readHashes(indexes: readonly number[]): Promise<Hash[]> {
    const count = storedHashCount(this.#commit.n);
    return Promise.all(
      indexes.map(async (i) => {
        if (!Number.isInteger(i) || i < 0 || i >= count) throw new Error(`no stored hash ${i}`);
        return readExactly(this.hashes, i * HASH_SIZE, HASH_SIZE);
      }),
    );
  }

  async readRecords(id: number, n: number): Promise<Buffer[]> {
    if (!Number.isInteger(id) || !Number.isInteger(n) || id < 0 || n < 0 || id + n > this.#commit.n) {
      throw new Error(`no records ${id}…${id + n - 1}`);
    }
    if (n === 0) return [];
    // Offsets hold each record's end; the start of record id is the end of id−1.
    const first = id === 0 ? 0 : id - 1;
    const ends = await readExactly(this.offsets, first * OFFSET_SIZE, (id + n - first) * OFFSET_SIZE);
    const endAt = (k: number) => Number(ends.readBigUInt64BE(k * OFFSET_SIZE));
    const start = id === 0 ? 0 : endAt(0);
    const bytes = await readExactly(this.data, start, endAt(id + n - 1 - first) - start);
    const out: Buffer[] = [];
    let prev = start;
    for (let k = id === 0 ? 0 : 1; k <= id + n - 1 - first; k++) {
      out.push(bytes.subarray(prev - start, endAt(k) - start));
      prev = endAt(k);
    }
    return out;
  }

  /** Every committed record with its key, in order (to carry a log over to another storage). */
  async entries(): Promise<LogRecord[]> {
    const texts = await this.readRecords(0, this.#commit.n);
    const keys = new Array<string>(this.#commit.n);
    for (const [k, id] of this.#ids) if (id < this.#commit.n) keys[id] = k;
    return texts.map((text, id) => ({ key: keys[id] as string, text }));
  }

  async lookupId(key: string): Promise<number | undefined> {
    const id = this.#ids.get(key);
    return id !== undefined && id < this.#commit.n ? id : undefined;
  }

  async append(batch: AppendBatch): Promise<void> {
    const old = this.#commit;
    if (batch.oldSize !== old.n) throw new Error(`append at ${batch.oldSize} to a log of ${old.n} records`);
    const n = old.n + batch.records.length;
    const want = storedHashCount(n) - storedHashCount(old.n);
    if (batch.hashes.length !== want) throw new Error(`append of ${batch.records.length} records brings ${batch.hashes.length} hashes, want ${want}`);
    const ends = Buffer.alloc(batch.records.length * OFFSET_SIZE);
    let end = old.dataBytes;
    batch.records.forEach((r, i) => {
      end += r.text.length;
      ends.writeBigUInt64BE(BigInt(end), i * OFFSET_SIZE);
    });
    // Written at the committed offsets, so bytes an interrupted append left behind are overwritten.
    await this.data.write(Buffer.concat(batch.records.map((r) => r.text)), 0, end - old.dataBytes, old.dataBytes);
    await this.offsets.write(ends, 0, ends.length, old.n * OFFSET_SIZE);
    const hashBytes = Buffer.concat(batch.hashes);
    await this.hashes.write(hashBytes, 0, hashBytes.length, storedHashCount(old.n) * HASH_SIZE);
    const keyText = Buffer.from(batch.records.map((r) => `${r.key}\n`).join(''));
    await this.keys.write(keyText, 0, keyText.length, old.keyBytes);
    await Promise.all([this.data.sync(), this.offsets.sync(), this.hashes.sync(), this.keys.sync()]);
    const next: Commit = { n, dataBytes: end, keyBytes: old.keyBytes + keyText.length, head: batch.head.toString('base64') };
    await writeAtomic(path.join(this.dir, 'commit.json'), JSON.stringify(next));
    this.#commit = next;
    batch.records.forEach((r, i) => this.#ids.set(r.key, old.n + i));
  }
}

async function readExactly(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) throw new Error(`log file shorter than its commit (want ${length} bytes at ${position})`);
    done += bytesRead;
  }
  return buf;
}
