// Verify before storing (fail closed): every .mod and .zip a source fills is proven against the configured
// checksum databases, as a gate of the fill path; on a mismatch the bytes go to quarantine and the fill fails.
import type { Logger } from 'pino';
import { gmpError } from '../errors.js';
import type { Candidate, Gate } from '../fill/types.js';
import type { Metrics } from '../metrics.js';
import type { ChecksumDb, DbAnswer } from './checksum-db.js';
import type { Quarantine } from './quarantine.js';
import type { VerdictRecord } from './verdicts.js';

/** How long an answer prepare() obtained waits for its check() (a download that failed never comes). */
const UNTAKEN_MS = 10_000;
/** Lookups started ahead at most; beyond (a flood of fills that fail), check() asks for itself. */
const STARTED_MAX = 10_000;

/** The version as a checksum database knows each file: `v1.2.3` for the zip, `v1.2.3/go.mod` for the go.mod. */
const lookupVersion = (version: string, what: 'go.mod' | 'zip'): string => (what === 'go.mod' ? `${version}/go.mod` : version);

/** The key of a lookup prepare() started, the same when check() looks for it. */
const startedKey = (db: ChecksumDb, modulePath: string, dbVersion: string): string => `${db.name} ${modulePath} ${dbVersion}`;

export interface VerifyOptions {
  /** Why a module is not checked against public databases (private modules, GONOSUMDB patterns), or undefined. */
  readonly skip: (modulePath: string) => 'private' | 'nosumdb' | undefined;
  /** Told which databases verified each file that passed, before it is stored (src/verify/verdicts.ts). */
  readonly record?: (verdict: VerdictRecord) => Promise<void>;
}

export class ChecksumGate implements Gate {
  constructor(
    private readonly dbs: readonly ChecksumDb[],
    private readonly quarantine: Quarantine,
    private readonly options: VerifyOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  /** Verdicts of candidates that passed this gate, until every gate passed (`passed`) or the candidate is dropped. */
  readonly #verdicts = new WeakMap<Candidate, VerdictRecord>();

  /** Lookups started by prepare(), by database and `<path> <version>`, until check() takes them. */
  readonly #started = new Map<string, Promise<DbAnswer>>();

  /**
   * Starts the lookups while the file downloads; check() takes the answer, in flight or done, instead of
   * asking again. Only for modules check() would look up: never a private one. An answer check() does not
   * take (the download failed) is dropped a little later; a failed lookup at once, so that a retry asks again.
   */
  prepare(modulePath: string, version: string, kind: 'mod' | 'zip'): void {
    if (this.dbs.length === 0 || this.options.skip(modulePath) !== undefined) return;
    const dbVersion = lookupVersion(version, kind === 'mod' ? 'go.mod' : 'zip');
    for (const db of this.dbs) {
      const key = startedKey(db, modulePath, dbVersion);
      if (this.#started.has(key) || this.#started.size >= STARTED_MAX) continue;
      const p = db.lookup(modulePath, dbVersion);
      this.#started.set(key, p);
      const drop = () => {
        if (this.#started.get(key) === p) this.#started.delete(key);
      };
      p.then(
        () => setTimeout(drop, UNTAKEN_MS).unref(),
        () => drop(),
      );
    }
  }

  /** The answer prepare() started, or a lookup now. */
  #lookup(db: ChecksumDb, modulePath: string, dbVersion: string): Promise<DbAnswer> {
    const key = startedKey(db, modulePath, dbVersion);
    const started = this.#started.get(key);
    if (started === undefined) return db.lookup(modulePath, dbVersion);
    this.#started.delete(key);
    return started;
  }

  async check(c: Candidate): Promise<void> {
    const keep = () =>
      c.file !== undefined
        ? this.quarantine.keepFile(c.module, c.version, c.kind, c.h1, c.file)
        : this.quarantine.keep(c.module, c.version, c.kind, c.h1, c.body ?? Buffer.alloc(0));
    const verdict = await this.verify(c.module, c.version, c.kind === 'mod' ? 'go.mod' : 'zip', c.h1, keep, c.source, c.published === true);
    this.#verdicts.set(c, verdict);
  }

  /** The verdict is written only once every gate passed: a later gate's refusal leaves none behind. */
  passed(c: Candidate): void {
    const verdict = this.#verdicts.get(c);
    if (verdict === undefined) return;
    this.#verdicts.delete(c);
    void this.options.record?.(verdict);
  }

  /** Every database that knows the version must agree; at least one must know it (as the go command requires). The verdict, to record once every gate passed. */
  private async verify(
    modulePath: string,
    version: string,
    what: 'go.mod' | 'zip',
    got: string,
    keep: () => Promise<string>,
    source: string,
    published: boolean,
  ): Promise<VerdictRecord> {
    const record = (by: string[], more: { unknownTo?: string[]; skipped?: 'private' | 'nosumdb' | 'off' }): VerdictRecord => ({
      module: modulePath,
      version,
      file: what,
      h1: got,
      by,
      ...more,
      at: new Date().toISOString(),
    });
    if (this.dbs.length === 0) return record([], { skipped: 'off' });
    const skipped = this.options.skip(modulePath);
    if (skipped !== undefined) {
      this.metrics.sumdbVerifications.inc({ db: 'none', result: 'skipped' });
      return record([], { skipped });
    }
    const dbVersion = lookupVersion(version, what);
    const agreed: string[] = [];
    const unknownTo: string[] = [];
    let known = false;
    for (const db of this.dbs) {
      let answer: Awaited<ReturnType<ChecksumDb['lookup']>>;
      try {
        answer = await this.#lookup(db, modulePath, dbVersion);
      } catch (err) {
        this.metrics.sumdbVerifications.inc({ db: db.name, result: 'error' });
        throw err;
      }
      if ('unknown' in answer) {
        this.metrics.sumdbVerifications.inc({ db: db.name, result: 'unknown' });
        unknownTo.push(db.name);
        continue;
      }
      known = true;
      if (answer.h1 === got) {
        this.metrics.sumdbVerifications.inc({ db: db.name, result: 'ok' });
        agreed.push(db.name);
        continue;
      }
      this.metrics.sumdbVerifications.inc({ db: db.name, result: 'mismatch' });
      const kept = await keep().catch((err: unknown) => `(could not quarantine: ${(err as Error).message})`);
      this.log.error(
        { module: modulePath, version, file: what, downloaded: got, [db.name]: answer.h1, upstream: source, quarantine: kept },
        'checksum mismatch: refused upstream content',
      );
      throw gmpError(
        'GMP_ERR_CHECKSUM_MISMATCH',
        `verifying ${modulePath}@${dbVersion}: checksum mismatch\n\tdownloaded: ${got}\n\t${db.name}: ${answer.h1}\n\n` +
          'SECURITY ERROR\nThis download does NOT match the checksum database; the upstream served altered content and nothing was cached.',
      );
    }
    // A version the databases do not know yet may be published here; it cannot be filled from an upstream.
    if (!known && !published) {
      throw gmpError(
        'GMP_ERR_SUMDB_UNKNOWN_VERSION',
        `verifying ${modulePath}@${dbVersion}: not found in checksum database ${this.dbs.map((d) => d.name).join(', ')}; ` +
          'if the module is private, list it in --private or --nosumdb',
      );
    }
    return record(agreed, unknownTo.length > 0 ? { unknownTo } : {});
  }
}
