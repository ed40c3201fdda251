// Relays a configured checksum database to clients (/sumdb/<name>/…, §7.3): lookups are proven by our own
// client before they are passed on, tiles of the trusted tree are authenticated by that client (others, beyond
// it or of another height, are checked for shape and cached, full ones forever), /latest
// is signature-checked and cached for a few seconds. When the database cannot be reached (offline mode, an
// outage) every answer comes from what is stored: the trusted tree head, proven records, authenticated tiles.
import { GmpError, gmpError } from '../errors.js';
import { parseLookupTarget } from '../sumdb/lookup-path.js';
import { newVerifier } from '../sumdb/note-keys.js';
import { open, verifierList } from '../sumdb/note.js';
import { parseTilePath } from '../sumdb/tile.js';
import type { Tile } from '../sumdb/tile.js';
import { HASH_SIZE } from '../sumdb/tlog.js';
import { formatRecord, parseRecord } from '../sumdb/tree-note.js';
import type { ChecksumDb } from './checksum-db.js';
import { PARTIAL_TILE_TTL_MS, readLimited } from './sumdb-ops.js';
import { storedTile } from './stored-tiles.js';

export interface RelayAnswer {
  readonly body: Buffer;
  readonly contentType: string;
  /** Seconds a client may cache the answer; full tiles and lookups never change. */
  readonly maxAge: number;
  readonly immutable: boolean;
}

const TEXT = 'text/plain; charset=UTF-8';
const LATEST_TTL_MS = 5_000;
const MAX_DATA_TILE = 256 * 64 * 1024;

export interface RelayOptions {
  /** Modules whose paths must never reach this (public) database: --private. Their lookups are refused here. */
  readonly isPrivate?: (modulePath: string) => boolean;
}

export class SumdbRelay {
  #latest: { at: number; body: Buffer } | undefined;

  constructor(
    private readonly db: ChecksumDb,
    private readonly options: RelayOptions = {},
  ) {}

  /** rest is the path after /sumdb/<name>, already percent-decoded. */
  async get(rest: string): Promise<RelayAnswer> {
    await this.db.checkTrusted();
    if (rest === '/supported') return { body: Buffer.alloc(0), contentType: TEXT, maxAge: 3600, immutable: false };
    if (rest === '/latest') return { body: await this.latest(), contentType: TEXT, maxAge: 5, immutable: false };
    if (rest.startsWith('/lookup/')) {
      const target = parseLookupTarget(rest.slice('/lookup/'.length));
      if (target === null) throw gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: invalid module@version syntax');
      if (this.options.isPrivate?.(target.path) === true) {
        // Asking the database would send the private path to it. 403, not 404: nothing here says the module is unknown.
        throw gmpError(
          'GMP_ERR_FORBIDDEN',
          `forbidden: ${target.path} is private here and is not looked up in checksum database ${this.db.name}; set GONOSUMDB (or GOPRIVATE) for it`,
        );
      }
      return { body: await this.lookup(target.path, target.version), contentType: TEXT, maxAge: 86400, immutable: true };
    }
    if (rest.startsWith('/tile/')) {
      let tile: Tile;
      try {
        tile = parseTilePath(rest.slice(1));
      } catch {
        throw gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: invalid tile path');
      }
      const partial = tile.w !== 2 ** tile.h;
      const body = await this.tile(rest.slice(1), tile, partial);
      return { body, contentType: tile.l === -1 ? TEXT : 'application/octet-stream', maxAge: partial ? 60 : 86400, immutable: !partial };
    }
    throw gmpError('GMP_ERR_NOT_FOUND', `not found: ${rest} is not a checksum database endpoint`);
  }

  /** The signed tree head, refused unless the database's key signed it; the trusted one when unreachable. */
  private async latest(): Promise<Buffer> {
    if (this.#latest !== undefined && Date.now() - this.#latest.at < LATEST_TTL_MS) return this.#latest.body;
    let body: Buffer;
    try {
      body = await readLimited(this.db.fetcher, '/latest');
    } catch (err) {
      const trusted = await this.db.client.latest();
      if (trusted.tree.n === 0) throw err;
      return trusted.note;
    }
    try {
      open(body, verifierList(newVerifier(this.db.spec.key)));
    } catch (err) {
      throw gmpError('GMP_ERR_SUMDB', `checksum database ${this.db.name}: /latest is not a tree note signed by its key: ${(err as Error).message}`);
    }
    this.#latest = { at: Date.now(), body };
    return body;
  }

  /**
   * Proves the record with our own client (which caches the raw answer), then serves it with the newest tree
   * head that client trusts: the record was just proven in that tree, and the tiles proving it are stored,
   * so a client can check it even when the database is unreachable (a cached answer's own, older head would
   * need tiles of whichever newer head the client has seen).
   */
  private async lookup(modulePath: string, version: string): Promise<Buffer> {
    const answer = await this.db.lookup(modulePath, version);
    if ('unknown' in answer) throw gmpError('GMP_ERR_NOT_FOUND', `not found: ${modulePath}@${version} is not in checksum database ${this.db.name}`);
    // The answer the client proved (held in memory, else read again and proved again), never one fetched
    // here unproven: the stored copy may be missing (a write that failed) while the proof is held in memory.
    const proven = await this.db.client.record(modulePath, version);
    const { id, text } = parseRecord(proven);
    const { tree, note } = await this.db.client.latest();
    return id < tree.n ? Buffer.concat([formatRecord(id, text), note]) : proven;
  }

  private async tile(rel: string, tile: Tile, partial: boolean): Promise<Buffer> {
    // A tile of the trusted tree is what our client authenticates (and keeps) itself: a damaged answer from the
    // database is refused instead of being kept and served for good. Other tiles are passed on as before.
    const proven = await this.db.client.tile(tile).catch((err: unknown) => {
      if (err instanceof GmpError) throw err;
      throw gmpError('GMP_ERR_SUMDB', `checksum database ${this.db.name}: ${rel}: ${err instanceof Error ? err.message : String(err)}`, err);
    });
    if (proven !== undefined) return proven;
    const key = `relay/${rel}`;
    const st = await this.db.storage.stat(key);
    if (st !== undefined && (!partial || Date.now() - st.mtimeMs < PARTIAL_TILE_TTL_MS)) {
      const body = await this.db.storage.read(key);
      if (body !== undefined) return body;
    }
    let body: Buffer;
    try {
      body = await readLimited(this.db.fetcher, `/${rel}`, MAX_DATA_TILE);
    } catch (err) {
      const kept = await storedTile(this.db.storage, rel);
      if (kept === undefined) throw err;
      return kept;
    }
    const shapeOk = tile.l === -1 ? body.length > 0 : body.length === tile.w * HASH_SIZE;
    if (!shapeOk) throw gmpError('GMP_ERR_UPSTREAM_BAD_CONTENT', `checksum database ${this.db.name}: tile ${rel} has ${body.length} bytes`);
    await this.db.storage.put(key, body);
    return body;
  }
}
