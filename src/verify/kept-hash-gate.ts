// A zip filled again after eviction must be the zip first stored: the `.ziphash` recorded then is kept for
// ever, and a fill gate refuses (and quarantines) a re-fetched zip with another h1 (Athens #1547).
import type { Logger } from 'pino';
import { gmpError } from '../errors.js';
import type { Candidate, Gate } from '../fill/types.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import type { Quarantine } from './quarantine.js';

export class KeptHashGate implements Gate {
  constructor(
    /** The module cache, where `.ziphash` files live. */
    private readonly store: BlobStore,
    private readonly quarantine: Quarantine,
    private readonly log: Logger,
    private readonly redact: (modulePath: string) => string = (p) => p,
  ) {}

  async check(c: Candidate): Promise<void> {
    if (c.kind !== 'zip') return;
    const kept = (await this.store.read(artifactKey(c.module, c.version, 'ziphash')))?.toString('utf8');
    if (kept === undefined || kept === c.h1) return;
    // A small zip is checked from memory (no scratch file): its bytes are kept all the same.
    const keep =
      c.file !== undefined
        ? this.quarantine.keepFile(c.module, c.version, 'zip', c.h1, c.file)
        : this.quarantine.keep(c.module, c.version, 'zip', c.h1, c.body ?? Buffer.alloc(0));
    const where = await keep.catch((e: unknown) => `(could not quarantine: ${(e as Error).message})`);
    this.log.error(
      { module: this.redact(c.module), version: c.version, downloaded: c.h1, kept, upstream: c.source, quarantine: where },
      'checksum mismatch: a re-fetched zip differs from the one first stored',
    );
    throw gmpError(
      'GMP_ERR_CHECKSUM_MISMATCH',
      `verifying ${c.module}@${c.version}: checksum mismatch\n\tdownloaded: ${c.h1}\n\tfirst stored: ${kept}\n\n` +
        'SECURITY ERROR\nThe upstream now serves other bytes than when this version was first cached; nothing was cached.',
    );
  }
}
