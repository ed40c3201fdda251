// Which checksum databases verified an artifact, recorded by the checksum gate at fill time as a small blob
// next to the artifact (`<version>.zipsumdb`, `<version>.modsumdb`): durable, shared by every worker and
// replica through the BlobStore, and costing one small write per fill, nothing per hit.
import type { Logger } from 'pino';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';

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
  constructor(
    private readonly store: BlobStore,
    private readonly log?: Logger,
    private readonly redact: (p: string) => string = (p) => p,
  ) {}

  /** Stored before the artifact itself; a failed write is logged, never fails the fill. */
  async record(r: VerdictRecord): Promise<void> {
    const { module, version, file, ...verdict } = r;
    try {
      await this.store.put(keyOf(module, version, file), `${JSON.stringify(verdict)}\n`);
    } catch (err) {
      this.log?.warn({ err: (err as Error).message, module: this.redact(module), version, file }, 'could not record which checksum database verified a file');
    }
  }

  /** undefined when nothing was recorded (filled before verdicts were kept, or the record is unreadable). */
  async read(module: string, version: string, file: VerifiedFile): Promise<Verdict | undefined> {
    const raw = await this.store.read(keyOf(module, version, file));
    if (raw === undefined) return undefined;
    try {
      const v = JSON.parse(raw.toString('utf8')) as Verdict;
      return typeof v.h1 === 'string' && Array.isArray(v.by) ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
