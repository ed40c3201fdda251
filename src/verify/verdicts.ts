// Which checksum databases verified an artifact, recorded by the checksum gate at fill time as a small blob
// next to the artifact (`<version>.zipsumdb`, `<version>.modsumdb`): durable, shared by every worker and
// replica through the BlobStore, and costing one small write per fill, nothing per hit.
import type { Logger } from 'pino';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import type { LocalFailures } from '../storage/local-failures.js';

export type VerifiedFile = 'zip' | 'go.mod';

export interface Verdict {
  /** The verified hash. */
  readonly h1: string;
  /** Databases that hold the same hash (the gate requires at least one, unless skipped). */
  readonly by: readonly string[];
  /** Databases that did not know the version (when another one did). */
  readonly unknownTo?: readonly string[];
  /** Why no public database was asked: a --private module, a --nosumdb one, or verification off. */
  readonly skipped?: 'private' | 'nosumdb' | 'off';
  /** When it was verified (ISO 8601). */
  readonly at: string;
}

export interface VerdictRecord extends Verdict {
  readonly module: string;
  readonly version: string;
  readonly file: VerifiedFile;
}

const keyOf = (module: string, version: string, file: VerifiedFile) => artifactKey(module, version, file === 'zip' ? 'zipsumdb' : 'modsumdb');

export class Verdicts {
  /** Records still being written, by key: a read in this process waits for its own write. */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    private readonly store: BlobStore,
    private readonly log?: Logger,
    private readonly redact: (p: string) => string = (p) => p,
    /** This process's own storage failing (a full disk): told once per run, not per record. */
    private readonly failures?: LocalFailures,
  ) {}

  /**
   * Written behind the fill, not before it: a verdict only informs (the dashboard's "verified by"), so a
   * durable write (an fsync, an S3 PUT) must not delay the answer. A crash may lose one, which then reads as
   * unknown, never as a wrong verdict. A failed write is logged, never fails the fill.
   */
  record(r: VerdictRecord): Promise<void> {
    const { module, version, file, ...verdict } = r;
    const key = keyOf(module, version, file);
    const w = this.store.put(key, `${JSON.stringify(verdict)}\n`).catch((err: unknown) => {
      if (this.failures?.failed(err, { module: this.redact(module), version, file }) === true) return;
      this.log?.warn({ err: (err as Error).message, module: this.redact(module), version, file }, 'could not record which checksum database verified a file');
    });
    this.writing.set(key, w);
    void w.finally(() => {
      if (this.writing.get(key) === w) this.writing.delete(key);
    });
    return Promise.resolve();
  }

  /** Waits for every record still being written (on shutdown). */
  async flush(): Promise<void> {
    while (this.writing.size > 0) await Promise.all(this.writing.values());
  }

  /** undefined when nothing was recorded (filled before verdicts were kept, or the record is unreadable). */
  async read(module: string, version: string, file: VerifiedFile): Promise<Verdict | undefined> {
    const key = keyOf(module, version, file);
    await this.writing.get(key);
    const raw = await this.store.read(key);
    if (raw === undefined) return undefined;
    try {
      const v = JSON.parse(raw.toString('utf8')) as Verdict;
      return typeof v.h1 === 'string' && Array.isArray(v.by) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
