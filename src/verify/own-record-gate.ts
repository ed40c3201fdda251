// A fill gate for versions the own checksum database already recorded: their refilled bytes (after a purge,
// or a cache lost with its log kept) must hash as recorded. The log cannot forget a version and clients hold
// the same hash in go.sum, so for private modules, which no public database covers, this is the check.
import type { Logger } from 'pino';
import { gmpError, isGmpError } from '../errors.js';
import type { Candidate, Gate } from '../fill/types.js';

export interface RecordedLog {
  readonly name: string;
  recorded(modulePath: string, version: string): Promise<{ readonly id: number; readonly text: string } | undefined>;
}

/** The hash a go.sum record gives a version's zip or go.mod. */
export function recordedHash(text: string, modulePath: string, version: string, kind: 'zip' | 'mod'): string | undefined {
  const want = `${modulePath} ${kind === 'zip' ? version : `${version}/go.mod`} `;
  const line = text.split('\n').find((l) => l.startsWith(want));
  return line?.slice(want.length).trim();
}

export class OwnRecordGate implements Gate {
  constructor(
    private readonly log: RecordedLog,
    private readonly logger: Logger,
    private readonly redact: (p: string) => string,
  ) {}

  async check(c: Candidate): Promise<void> {
    let rec: { readonly text: string } | undefined;
    try {
      rec = await this.log.recorded(c.module, c.version);
    } catch (err) {
      // The log's head lives in the coordinator; without it the fill goes on (the public databases still gate it).
      // An unreachable coordinator is logged once where it is watched, not once per fill here (a process that
      // started during the outage has no head to fall back on, so every fill of it would come here).
      const level = isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') ? 'debug' : 'warn';
      this.logger[level]({ err: (err as Error).message, module: this.redact(c.module) }, 'could not read the own checksum database; not compared with it');
      return;
    }
    const want = rec === undefined ? undefined : recordedHash(rec.text, c.module, c.version, c.kind);
    if (want === undefined || want === c.h1) return;
    const what = c.kind === 'zip' ? c.version : `${c.version}/go.mod`;
    this.logger.error(
      { module: this.redact(c.module), version: c.version, file: c.kind, downloaded: c.h1, [this.log.name]: want, upstream: c.source },
      'checksum mismatch with the own checksum database: refused',
    );
    throw gmpError(
      'GMP_ERR_CHECKSUM_MISMATCH',
      // The client asked for this module, so its answer names it; log lines quote this message redacted (--private).
      `verifying ${c.module}@${what}: checksum mismatch\n\tdownloaded: ${c.h1}\n\t${this.log.name}: ${want}\n\n` +
        'SECURITY ERROR\nThe upstream now serves different content than this proxy served and recorded before; nothing was cached.',
    );
  }
}
