// Relays a configured checksum database to clients (/sumdb/<name>/…, §7.3): lookups are proven by our own
// client before they are passed on, hash tiles of the trusted tree are authenticated by that client, and data
// tiles of that tree are proven against its authenticated level-0 hash tiles; only what was proven is kept.
// Tiles nothing here can prove (beyond the trusted tree, of another height) are passed on as the database sent
// them, checked for shape and never stored: the go command authenticates them itself, and a damaged one is
// not served again. /latest is signature-checked and cached for a few seconds. When the database cannot be
// reached (offline mode, an outage) every answer comes from what is stored: the trusted tree head, proven
// records, authenticated tiles.
import { GmpError, gmpError } from '../errors.js';
import { checkPath } from '../protocol/module-path.js';
import { checkDataTile, DataTileError } from '../sumdb/data-tile.js';
import { parseLookupTarget } from '../sumdb/lookup-path.js';
import { newVerifier } from '../sumdb/note-keys.js';
import { open, verifierList } from '../sumdb/note.js';
import { parseTilePath } from '../sumdb/tile.js';
import type { Tile } from '../sumdb/tile.js';
import { HASH_SIZE } from '../sumdb/tlog.js';
import { formatRecord, parseRecord } from '../sumdb/tree-note.js';
import type { ChecksumDb } from './checksum-db.js';
import { readLimited } from './sumdb-ops.js';
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
      // The database refuses a path the go command could never ask for, but only after it has read it: a
      // private name in a malformed path (`corp.example.com./x`, which no --private glob matches) stays here.
      const malformed = checkPath(target.path);
      if (malformed !== undefined) throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: ${malformed}`);
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
      const { body, proven } = await this.tile(rest.slice(1), tile);
      const contentType = tile.l === -1 ? TEXT : 'application/octet-stream';
      // An unproven tile is not for caches in front of us to keep either.
      if (!proven) return { body, contentType, maxAge: 0, immutable: false };
      return { body, contentType, maxAge: partial ? 60 : 86400, immutable: !partial };
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
    if ('unknown' in answer && answer.offline === true)
      throw gmpError(
        'GMP_ERR_UPSTREAM_OFF',
        `not found: no proof of ${modulePath}@${version} from checksum database ${this.db.name} is stored here, and fetching is off (--upstream off): only versions an imported bundle brought, or verified here before, can be looked up`,
      );
    if ('unknown' in answer) throw gmpError('GMP_ERR_NOT_FOUND', `not found: ${modulePath}@${version} is not in checksum database ${this.db.name}`);
    // The answer the client proved (held in memory, else read again and proved again), never one fetched
    // here unproven: the stored copy may be missing (a write that failed) while the proof is held in memory.
    const proven = await this.db.client.record(modulePath, version);
    const { id, text } = parseRecord(proven);
    const { tree, note } = await this.db.client.latest();
    return id < tree.n ? Buffer.concat([formatRecord(id, text), note]) : proven;
  }

  private async tile(rel: string, tile: Tile): Promise<{ body: Buffer; proven: boolean }> {
    // A tile of the trusted tree is what our client authenticates (and keeps) itself: a damaged answer from the
    // database is refused instead of being kept and served for good.
    const authenticated = await this.proven(rel, () => this.db.client.tile(tile));
    if (authenticated !== undefined) return { body: authenticated, proven: true };
    if (tile.l === -1) {
      const hashes = await this.proven(rel, () => this.db.client.tile({ ...tile, l: 0 }));
      if (hashes !== undefined) return { body: await this.dataTile(rel, tile, hashes), proven: true };
    }
    return { body: await this.passOn(rel, tile), proven: false };
  }

  private async proven(rel: string, read: () => Promise<Buffer | undefined>): Promise<Buffer | undefined> {
    try {
      return await read();
    } catch (err) {
      if (err instanceof GmpError) throw err;
      throw gmpError('GMP_ERR_SUMDB', `checksum database ${this.db.name}: ${rel}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
  }

  /** A data tile of the trusted tree: kept once each record hashes to the authenticated level-0 hash tile. */
  private async dataTile(rel: string, tile: Tile, hashes: Buffer): Promise<Buffer> {
    const kept = await this.db.storage.read(rel);
    if (kept !== undefined) return kept;
    const body = await readLimited(this.db.fetcher, `/${rel}`, MAX_DATA_TILE);
    try {
      checkDataTile(tile, body, hashes);
    } catch (err) {
      if (!(err instanceof DataTileError)) throw err;
      throw gmpError('GMP_ERR_UPSTREAM_BAD_CONTENT', `checksum database ${this.db.name}: ${rel} does not hold the records of the trusted tree: ${err.message}`);
    }
    await this.db.storage.put(rel, body);
    return body;
  }

  /** Beyond the trusted tree or of another height: the database's answer, checked for shape, never stored. */
  private async passOn(rel: string, tile: Tile): Promise<Buffer> {
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
    return body;
  }
}
