// One configured checksum database as the proxy uses it: proven lookups of a module's go.sum lines, and the
// stop after a security error (a forked or rolled-back log), shared by every process through the coordinator.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { SumdbSpec } from '../protocol/gosumdb.js';
import type { Coordinator } from '../coord/coordinator.js';
import { GmpError, gmpError, isGmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import { SecurityError } from '../sumdb/client-ops.js';
import { SumdbClient } from '../sumdb/client.js';
import type { RawFetcher } from '../upstream/source.js';
import { FileClientOps, distrustKey } from './sumdb-ops.js';

/** What the database says about one hash: its `h1:` value, or that it has no record of the version. */
/** `offline`: not that the database lacks it, but that no proof of it is stored and --upstream off fetches none. */
export type DbAnswer = { readonly h1: string } | { readonly unknown: true; readonly offline?: true };

/** How long the distrusted state is taken from memory before the coordinator is asked again. */
const TRUST_RECHECK_MS = 5000;

export interface ChecksumDbDeps {
  /** Authenticated lookups and tiles of this database. */
  readonly store: BlobStore;
  readonly coord: Coordinator;
  /** Where this process writes the human-readable report of a security error. */
  readonly reportFile: string;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export class ChecksumDb {
  readonly name: string;
  readonly storage: BlobStore;
  readonly client: SumdbClient;
  #distrusted: { report: string | undefined; at: number } = { report: undefined, at: 0 };
  readonly #ops: FileClientOps;

  constructor(
    readonly spec: SumdbSpec,
    readonly fetcher: RawFetcher,
    private readonly deps: ChecksumDbDeps,
  ) {
    this.name = spec.name;
    this.storage = deps.store;
    const degraded = (op: string) => deps.metrics.coordinatorUnavailable.inc({ op });
    this.#ops = new FileClientOps(spec.name, spec.key, fetcher, deps.store, deps.coord, deps.log, (report) => void this.securityError(report), degraded);
    this.client = new SumdbClient(this.#ops, { name: spec.name });
  }

  get reportFile(): string {
    return this.deps.reportFile;
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
      if (err instanceof GmpError && err.notFound) return err.code === 'GMP_ERR_UPSTREAM_OFF' ? { unknown: true, offline: true } : { unknown: true };
      if (err instanceof SecurityError) {
        throw gmpError(
          'GMP_ERR_SUMDB',
          `verifying ${modulePath}@${version}: checksum database ${this.name} contradicts its own earlier tree (fork or rollback); it is no longer trusted`,
          err,
        );
      }
      if (err instanceof GmpError && (err.code === 'GMP_ERR_SUMDB' || err.code === 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
      const msg = err instanceof Error ? err.message : String(err);
      // A database skipped after repeated failures (its circuit is open) is a wait, not a bad answer: the
      // client keeps the 503 and the Retry-After of the rest of the cooldown, as for an upstream proxy; one that
      // did not answer in time keeps the 504 of an upstream timeout.
      if (isGmpError(err, 'GMP_ERR_UPSTREAM_CIRCUIT_OPEN') || isGmpError(err, 'GMP_ERR_UPSTREAM_TIMEOUT')) {
        throw new GmpError(err.code, `verifying ${modulePath}@${version}: checksum database ${this.name}: ${msg}`, { cause: err, retryAfter: err.retryAfter });
      }
      throw gmpError('GMP_ERR_SUMDB', `verifying ${modulePath}@${version}: checksum database ${this.name}: ${msg}`, err);
    } finally {
      this.deps.metrics.sumdbVerifySeconds.observe({ db: this.name }, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Refuses while any process has recorded a security error for this database (`gomodproxy sumdb trust` lifts it). */
  async checkTrusted(): Promise<void> {
    const now = Date.now();
    if (now - this.#distrusted.at > TRUST_RECHECK_MS) {
      let report: string | undefined;
      try {
        report = await this.deps.coord.get(distrustKey(this.name));
      } catch (err) {
        if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
        // Unreachable: what this process knew stands (a distrust it recorded itself is in memory too).
        this.deps.metrics.coordinatorUnavailable.inc({ op: 'sumdb-trust' });
        report = this.#distrusted.report;
      }
      if (this.#distrusted.report !== undefined && report === undefined)
        this.deps.log.warn({ sumdb: this.name }, `checksum database ${this.name} is trusted again`);
      this.#distrusted = { report, at: now };
      if (this.#ops.unsynced) await this.resync();
    }
    if (this.#distrusted.report === undefined) return;
    throw gmpError(
      'GMP_ERR_SUMDB',
      // No path of the server's in an answer to clients: the operator finds the report in the data directory.
      `checksum database ${this.name} is not trusted after a security error (a forked or rolled-back log); an operator must investigate the SECURITY-ERROR report in the proxy's data directory and run 'gomodproxy sumdb trust ${this.name}'`,
    );
  }

  /** Saves the head trusted while the coordinator was unreachable, once it answers (checked against its head). */
  private async resync(): Promise<void> {
    try {
      await this.client.resync();
      this.#ops.settle();
      if (!this.#ops.unsynced) this.deps.log.info({ sumdb: this.name }, 'saved the tree head trusted while the coordinator was unreachable');
    } catch (err) {
      // A contradiction was reported as a security error by the client; anything else is retried later.
      if (!(err instanceof SecurityError) && !isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE'))
        this.deps.log.warn({ sumdb: this.name, err: (err as Error).message }, 'could not save the tree head trusted while the coordinator was unreachable');
    }
  }

  private async securityError(report: string): Promise<void> {
    const text = `${new Date().toISOString()}\n${report}\n`;
    this.#distrusted = { report: text, at: Date.now() };
    this.deps.metrics.sumdbSecurityErrors.inc({ db: this.name });
    this.deps.log.fatal(
      { sumdb: this.name, report },
      `SECURITY ERROR: checksum database ${this.name} is misbehaving; verification against it stops until an operator lifts it`,
    );
    try {
      // Synchronously: the report is on disk before the failing request is answered.
      mkdirSync(path.dirname(this.deps.reportFile), { recursive: true });
      writeFileSync(this.deps.reportFile, text);
      // Every process and replica stops trusting it, and so does this one after a restart.
      const current = await this.deps.coord.get(distrustKey(this.name));
      if (current === undefined) await this.deps.coord.cas(distrustKey(this.name), undefined, text);
    } catch (err) {
      this.deps.log.error({ err }, 'could not record the sumdb security error');
    }
  }
}
