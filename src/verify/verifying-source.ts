// Verify before caching (fail closed): every .mod and .zip an upstream fills is proven against the
// configured checksum databases; on a mismatch the bytes go to quarantine and the client gets an error.
import type { Logger } from 'pino';
import { gmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { hashGoMod } from '../modzip/dirhash.js';
import type { Info, Source, StageFn, ZipArtifact } from '../upstream/source.js';
import type { ChecksumDb } from './checksum-db.js';
import type { Quarantine } from './quarantine.js';

export interface VerifyOptions {
  /** Modules not checked against public databases (GONOSUMDB patterns, private modules). */
  readonly skip: (modulePath: string) => boolean;
  /** Told of every version whose zip was filled and verified (or skipped as private), e.g. to log it in our own database. */
  readonly onVerified?: (modulePath: string, version: string) => void;
}

export class VerifyingSource implements Source {
  readonly name: string;

  constructor(
    private readonly inner: Source,
    private readonly dbs: readonly ChecksumDb[],
    private readonly quarantine: Quarantine,
    private readonly options: VerifyOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.name = inner.name;
  }

  list(modulePath: string): Promise<string[]> {
    return this.inner.list(modulePath);
  }

  info(modulePath: string, query: string): Promise<Info> {
    return this.inner.info(modulePath, query);
  }

  latest(modulePath: string): Promise<Info> {
    return this.inner.latest(modulePath);
  }

  async mod(modulePath: string, version: string): Promise<Buffer> {
    const body = await this.inner.mod(modulePath, version);
    await this.verify(modulePath, version, 'go.mod', hashGoMod(body), () => this.quarantine.keep(modulePath, version, 'mod', body));
    return body;
  }

  async zip(modulePath: string, version: string, stage: StageFn): Promise<ZipArtifact> {
    const art = await this.inner.zip(modulePath, version, stage);
    try {
      await this.verify(modulePath, version, 'zip', art.h1, () => this.quarantine.move(modulePath, version, 'zip', art.staged.path));
    } catch (err) {
      await art.staged.discard();
      throw err;
    }
    if (this.options.onVerified !== undefined) queueMicrotask(() => this.options.onVerified?.(modulePath, version));
    return art;
  }

  /** Every database that knows the version must agree; at least one must know it (as the go command requires). */
  private async verify(modulePath: string, version: string, what: 'go.mod' | 'zip', got: string, keep: () => Promise<string>): Promise<void> {
    if (this.dbs.length === 0) return;
    if (this.options.skip(modulePath)) {
      this.metrics.sumdbVerifications.inc({ db: 'none', result: 'skipped' });
      return;
    }
    const dbVersion = what === 'go.mod' ? `${version}/go.mod` : version;
    let known = false;
    for (const db of this.dbs) {
      let answer: Awaited<ReturnType<ChecksumDb['lookup']>>;
      try {
        answer = await db.lookup(modulePath, dbVersion);
      } catch (err) {
        this.metrics.sumdbVerifications.inc({ db: db.name, result: 'error' });
        throw err;
      }
      if ('unknown' in answer) {
        this.metrics.sumdbVerifications.inc({ db: db.name, result: 'unknown' });
        continue;
      }
      known = true;
      if (answer.h1 === got) {
        this.metrics.sumdbVerifications.inc({ db: db.name, result: 'ok' });
        continue;
      }
      this.metrics.sumdbVerifications.inc({ db: db.name, result: 'mismatch' });
      const kept = await keep().catch((err: unknown) => `(could not quarantine: ${(err as Error).message})`);
      this.log.error(
        { module: modulePath, version, file: what, downloaded: got, [db.name]: answer.h1, upstream: this.inner.name, quarantine: kept },
        'checksum mismatch: refused upstream content',
      );
      throw gmpError(
        'GMP_ERR_CHECKSUM_MISMATCH',
        `verifying ${modulePath}@${dbVersion}: checksum mismatch\n\tdownloaded: ${got}\n\t${db.name}: ${answer.h1}\n\n` +
          'SECURITY ERROR\nThis download does NOT match the checksum database; the upstream served altered content and nothing was cached.',
      );
    }
    if (!known) {
      throw gmpError(
        'GMP_ERR_SUMDB',
        `verifying ${modulePath}@${dbVersion}: not found in checksum database ${this.dbs.map((d) => d.name).join(', ')}; ` +
          'if the module is private, list it in --private or --nosumdb',
      );
    }
  }
}
