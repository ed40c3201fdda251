// The checksum-database client's outside world while a bundle is imported (x/mod ClientOps): the database
// "answers" from the bundle (its lookups carry the bundle's signed head), authenticated tiles this proxy
// already holds count as cached, the trusted head is this proxy's, and every write is kept aside, to be
// committed only when the whole bundle has verified. Nothing here reaches a network.
import { WriteConflictError } from '../sumdb/client-ops.js';
import type { ClientOps } from '../sumdb/client-ops.js';
import { formatRecord } from '../sumdb/tree-note.js';
import type { BlobStore } from '../storage/blob-store.js';
import { storedTile } from '../verify/stored-tiles.js';
import type { SumRecord } from './proofs.js';

export class StagedOps implements ClientOps {
  /** `lookup/…` and `tile/…` files the client authenticated, to be stored on commit. */
  readonly written = new Map<string, Buffer>();
  /** The head the client ends up trusting ('' for none). */
  latest: string;
  securityReport: string | undefined;

  constructor(
    private readonly name: string,
    private readonly key: string,
    private readonly head: Buffer,
    /** The bundle's records by `lookup/…` and tiles by `tile/…`. */
    private readonly records: ReadonlyMap<string, SumRecord>,
    private readonly tiles: ReadonlyMap<string, Buffer>,
    /** This proxy's store of the database. */
    private readonly store: BlobStore,
    trusted: string | undefined,
  ) {
    this.latest = trusted ?? '';
  }

  async readRemote(p: string): Promise<Buffer> {
    const rel = p.slice(1);
    const record = this.records.get(rel);
    if (record !== undefined) return Buffer.concat([formatRecord(record.id, record.text), this.head]);
    const tile = this.tiles.get(rel) ?? (rel.startsWith('tile/') ? await storedTile(this.store, rel) : undefined);
    if (tile === undefined) throw new Error(`the bundle has no ${p.startsWith('/lookup/') ? 'record' : 'tile'} ${rel}`);
    return tile;
  }

  async readConfig(file: string): Promise<Buffer> {
    if (file === 'key') return Buffer.from(this.key);
    if (file !== `${this.name}/latest`) throw new Error(`unexpected sumdb config file ${file}`);
    return Buffer.from(this.latest, 'utf8');
  }

  async writeConfig(_file: string, old: Buffer, next: Buffer): Promise<void> {
    if (old.toString('utf8') !== this.latest) throw new WriteConflictError();
    this.latest = next.toString('utf8');
  }

  /** Records always come from the bundle (so each is verified); tiles this proxy holds were authenticated. */
  async readCache(file: string): Promise<Buffer> {
    const rel = this.rel(file);
    const kept = rel.startsWith('tile/') ? (this.written.get(rel) ?? (await this.store.read(rel))) : undefined;
    if (kept === undefined) throw new Error('not cached');
    return kept;
  }

  async writeCache(file: string, data: Buffer): Promise<void> {
    this.written.set(this.rel(file), data);
  }

  log(): void {}

  securityError(msg: string): void {
    this.securityReport = msg;
  }

  private rel(file: string): string {
    return file.slice(this.name.length + 1);
  }
}
