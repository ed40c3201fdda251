// The checksum-database client's outside world for one database (x/mod ClientOps): remote reads through
// an upstream fetcher, the trusted tree head agreed through the coordinator (so a rollback seen by any
// process is refused by all), and the authenticated lookups and tiles kept in storage.
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import { GmpError, gmpError, isGmpError } from '../errors.js';
import type { BlobStore } from '../storage/blob-store.js';
import { WriteConflictError } from '../sumdb/client-ops.js';
import type { ClientOps } from '../sumdb/client-ops.js';
import { readAtMost } from '../upstream/read-body.js';
import type { RawFetcher } from '../upstream/source.js';
import { storedTile } from './stored-tiles.js';

/** Lookups and tiles are small: a full tile is 256×32 bytes, a record a few lines. */
export const MAX_SUMDB_BODY = 1 << 20;
/** A partial tile is replaced by a wider one as the log grows, so it is kept only briefly. */
export const PARTIAL_TILE_TTL_MS = 60 * 60 * 1000;

export const isPartialTile = (file: string): boolean => /\/tile\/.*\.p\/\d+$/.test(file);

export async function readLimited(fetcher: RawFetcher, rel: string, limit = MAX_SUMDB_BODY): Promise<Buffer> {
  return fetcher.fetch(rel, 'sumdb', (res) =>
    readAtMost(res.body, limit, () => gmpError('GMP_ERR_SUMDB', `checksum database ${fetcher.name}: answer for ${rel} is larger than ${limit} bytes`)),
  );
}

export class FileClientOps implements ClientOps {
  #configQueue: Promise<unknown> = Promise.resolve();
  /** The newest trusted head this process read from the coordinator, wrote to it, or held while it was down. */
  #held: string | undefined;
  #unsynced = false;
  /** What the last read of the head found in the coordinator; undefined after a read it could not answer. */
  #lastRead: { value: string | undefined } | undefined;

  constructor(
    private readonly name: string,
    private readonly key: string,
    private readonly fetcher: RawFetcher,
    /** Per-database storage: `lookup/…`, `tile/…`. */
    private readonly storage: BlobStore,
    private readonly coord: Coordinator,
    private readonly logger: Logger,
    private readonly onSecurityError: (report: string) => void,
    /** Told each time the coordinator was unreachable and the head held in memory stood in for it. */
    private readonly onDegraded: (op: string) => void = () => undefined,
  ) {}

  /** A head was trusted while the coordinator was unreachable and is not in it yet (see SumdbClient.resync). */
  get unsynced(): boolean {
    return this.#unsynced;
  }

  /**
   * After the client merged the saved head (SumdbClient.resync): if that head came from the coordinator, the
   * coordinator now holds ours or a newer one that extends it (a contradiction would have been a security
   * error), so nothing is left to save.
   */
  settle(): void {
    if (!this.#unsynced || this.#lastRead === undefined) return;
    this.#unsynced = false;
    this.#held = this.#lastRead.value;
  }

  /** From the database; when it cannot be reached (or fetching is off), a tile kept in storage still proves. */
  async readRemote(p: string): Promise<Buffer> {
    try {
      return await readLimited(this.fetcher, p);
    } catch (err) {
      const kept = p.startsWith('/tile/') ? await storedTile(this.storage, p.slice(1)).catch(() => undefined) : undefined;
      if (kept === undefined) throw err;
      return kept;
    }
  }

  /**
   * The trusted head agreed by every process; while the coordinator cannot be reached, the one this process
   * holds (the client's timeline still refuses any head that contradicts it: rollbacks it can see).
   */
  async readConfig(file: string): Promise<Buffer> {
    if (file === 'key') return Buffer.from(this.key);
    const key = this.configKey(file);
    try {
      const v = await this.coord.get(key);
      this.#lastRead = { value: v };
      if (!this.#unsynced) this.#held = v;
      return Buffer.from(v ?? '', 'utf8');
    } catch (err) {
      if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
      this.#lastRead = undefined;
      this.onDegraded('sumdb-head-read');
      return Buffer.from(this.#held ?? '', 'utf8');
    }
  }

  /**
   * Compare-and-swap on the trusted tree head across every process sharing the coordinator; while it cannot
   * be reached, the new head is held here (the client proved it extends the old one) and saved on recovery.
   */
  writeConfig(file: string, old: Buffer, next: Buffer): Promise<void> {
    const run = this.#configQueue.then(async () => {
      const expected = old.length === 0 ? undefined : old.toString('utf8');
      let ok: boolean;
      try {
        ok = await this.coord.cas(this.configKey(file), expected, next.toString('utf8'));
      } catch (err) {
        if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
        this.onDegraded('sumdb-head-write');
        if (this.#held !== expected) throw new WriteConflictError();
        this.#held = next.toString('utf8');
        this.#unsynced = true;
        return;
      }
      if (!ok) throw new WriteConflictError();
      this.#held = next.toString('utf8');
      this.#unsynced = false;
    });
    this.#configQueue = run.catch(() => undefined);
    return run;
  }

  async readCache(file: string): Promise<Buffer> {
    const key = this.cacheKey(file);
    if (isPartialTile(file)) {
      const st = await this.storage.stat(key);
      if (st === undefined || Date.now() - st.mtimeMs > PARTIAL_TILE_TTL_MS) throw new Error('not cached');
    }
    const data = await this.storage.read(key);
    if (data === undefined) throw new Error('not cached');
    return data;
  }

  async writeCache(file: string, data: Buffer): Promise<void> {
    await this.storage.put(this.cacheKey(file), data);
  }

  log(msg: string): void {
    this.logger.info({ sumdb: this.name }, msg);
  }

  securityError(msg: string): void {
    this.onSecurityError(msg);
  }

  private configKey(file: string): string {
    if (file !== `${this.name}/latest`) throw new GmpError('GMP_ERR_INTERNAL', `unexpected sumdb config file ${file}`);
    return trustedHeadKey(this.name);
  }

  /** `<name>/lookup/…` and `<name>/tile/…` become storage keys under this database's directory. */
  private cacheKey(file: string): string {
    const rest = file.startsWith(`${this.name}/`) ? file.slice(this.name.length + 1) : '';
    if (!/^(lookup|tile)\//.test(rest)) throw new GmpError('GMP_ERR_INTERNAL', `unexpected sumdb cache file ${file}`);
    return rest;
  }
}

/** The coordinator value holding a database's newest trusted signed tree head. */
export const trustedHeadKey = (db: string): string => `sumdb/${db}/latest`;

/** The coordinator value present while a database is distrusted after a security error (its report). */
export const distrustKey = (db: string): string => `sumdb/${db}/distrusted`;
