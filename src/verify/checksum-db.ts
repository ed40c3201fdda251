// One configured checksum database as the proxy uses it: proven lookups of a module's go.sum lines,
// and the operator-visible stop after a security error (a forked or rolled-back log).
import { mkdirSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SumdbSpec } from '../config/gosumdb.js';
import { GmpError, gmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { FsStorage } from '../storage/fs-storage.js';
import { SecurityError } from '../sumdb/client-ops.js';
import { SumdbClient } from '../sumdb/client.js';
import type { RawFetcher } from '../upstream/source.js';
import { FileClientOps } from './sumdb-ops.js';

/** What the database says about one hash: its `h1:` value, or that it has no record of the version. */
export type DbAnswer = { readonly h1: string } | { readonly unknown: true };

export class ChecksumDb {
  readonly name: string;
  readonly storage: FsStorage;
  readonly client: SumdbClient;
  /** While this file exists, the database is not trusted: an operator removes it after investigating. */
  readonly securityFile: string;
  /** Mirrors the security file, so the fill path does not read the disk on every verification. */
  #distrusted = false;

  private constructor(
    readonly spec: SumdbSpec,
    readonly fetcher: RawFetcher,
    dir: string,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.name = spec.name;
    this.storage = new FsStorage(dir);
    this.securityFile = path.join(dir, 'SECURITY-ERROR');
    const ops = new FileClientOps(spec.name, spec.key, fetcher, this.storage, log, (report) => this.securityError(report));
    this.client = new SumdbClient(ops);
  }

  static async open(spec: SumdbSpec, fetcher: RawFetcher, dataDir: string, metrics: Metrics, log: Logger): Promise<ChecksumDb> {
    const db = new ChecksumDb(spec, fetcher, path.join(path.resolve(dataDir), 'sumdb', spec.name), metrics, log);
    await db.storage.init();
    db.#distrusted = (await stat(db.securityFile).catch(() => undefined)) !== undefined;
    return db;
  }

  /** The proven `h1:` for `<path> <version>` (version ends in /go.mod for the go.mod hash). */
  async lookup(modulePath: string, version: string): Promise<DbAnswer> {
    await this.checkTrusted();
    const started = process.hrtime.bigint();
    try {
      const lines = await this.client.lookup(modulePath, version);
      const h1 = lines.map((l) => l.split(' ')[2] ?? '').find((h) => h.startsWith('h1:'));
      if (h1 === undefined) throw gmpError('GMP_ERR_SUMDB', `checksum database ${this.name} has no h1: hash for ${modulePath} ${version}`);
      return { h1 };
    } catch (err) {
      if (err instanceof GmpError && err.notFound) return { unknown: true };
      if (err instanceof SecurityError) {
        throw gmpError(
          'GMP_ERR_SUMDB',
          `verifying ${modulePath}@${version}: checksum database ${this.name} contradicts its own earlier tree (fork or rollback); it is no longer trusted`,
          err,
        );
      }
      if (err instanceof GmpError && err.code === 'GMP_ERR_SUMDB') throw err;
      const msg = err instanceof Error ? err.message : String(err);
      throw gmpError('GMP_ERR_SUMDB', `verifying ${modulePath}@${version}: checksum database ${this.name}: ${msg}`, err);
    } finally {
      this.metrics.sumdbVerifySeconds.observe({ db: this.name }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Refuses while the security file exists; once an operator removes it, the database is trusted again. */
  async checkTrusted(): Promise<void> {
    if (!this.#distrusted) return;
    if ((await stat(this.securityFile).catch(() => undefined)) === undefined) {
      this.#distrusted = false;
      this.log.warn({ sumdb: this.name }, `${this.securityFile} was removed: checksum database ${this.name} is trusted again`);
      return;
    }
    throw gmpError(
      'GMP_ERR_SUMDB',
      `checksum database ${this.name} is not trusted after a security error (a forked or rolled-back log); an operator must investigate ${this.securityFile} and remove it`,
    );
  }

  private securityError(report: string): void {
    this.#distrusted = true;
    this.metrics.sumdbSecurityErrors.inc({ db: this.name });
    this.log.fatal(
      { sumdb: this.name, report },
      `SECURITY ERROR: checksum database ${this.name} is misbehaving; verification against it stops until ${this.securityFile} is removed`,
    );
    // Written synchronously: the record must be on disk before anything else happens (it survives restarts).
    try {
      mkdirSync(path.dirname(this.securityFile), { recursive: true });
      writeFileSync(this.securityFile, `${new Date().toISOString()}\n${report}\n`);
    } catch (err) {
      this.log.error({ err }, 'could not record the sumdb security error');
    }
  }
}
