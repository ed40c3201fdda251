// The commit rules every source of bytes goes through — an upstream fill as much as a publisher's upload:
// candidates pass every gate (checksum databases, policy) before anything is stored; a zip's hash is
// stored before the zip, so a zip is never visible without it; 'filled' is emitted once an artifact is
// durable (the own checksum database records it then).
import type { Logger } from 'pino';
import type { BlobStore } from '../storage/blob-store.js';
import type { LocalFailures } from '../storage/local-failures.js';
import { artifactKey } from '../storage/keys.js';
import type { Candidate, FillEvents, Gate, Want } from './types.js';
import { keyOf } from './types.js';

export interface CommitDeps {
  readonly store: BlobStore;
  readonly gates: readonly Gate[];
  readonly events: FillEvents;
  readonly log: Logger;
  readonly redact?: (modulePath: string) => string;
  /** Told of this process's own storage failing (a full disk wakes eviction). */
  readonly failures?: LocalFailures;
}

export interface ZipCommit {
  readonly module: string;
  readonly version: string;
  /** A scratch file; the store may move it away. Absent when the zip is given as `data`. */
  readonly file?: string;
  /** The zip itself, for a small one held in memory (no scratch file was written). */
  readonly data?: Buffer;
  readonly h1: string;
  readonly size: number;
}

export class Committer {
  constructor(private readonly deps: CommitDeps) {}

  /** Every gate, in order; the first refusal throws. Once all passed, each is told so. */
  async pass(c: Candidate): Promise<void> {
    for (const gate of this.deps.gates) await gate.check(c);
    for (const gate of this.deps.gates) gate.passed?.(c);
  }

  /** Stores a small answer (list, .info, .mod, …); resolves once it is durable and announced. */
  async storeSmall(want: Want, body: Buffer, h1?: string): Promise<void> {
    await this.deps.store.put(keyOf(want), body);
    if (want.kind === 'info' || want.kind === 'mod')
      this.deps.events.emit('filled', { module: want.module, version: want.version, kind: want.kind, size: body.length, h1 });
  }

  /** storeSmall for answers already given to clients: a failed write is logged, never thrown (the next request fills again). */
  storeBehind(want: Want, body: Buffer, h1?: string): Promise<boolean> {
    return this.storeSmall(want, body, h1).then(
      () => true,
      (err: unknown) => {
        const module = this.deps.redact?.(want.module) ?? want.module;
        // A full disk is told once per run, not once per answer given meanwhile.
        if (this.deps.failures?.failed(err, { module, version: want.version, kind: want.kind }) !== true)
          this.deps.log.error({ err, module, kind: want.kind }, 'could not store a cache entry');
        return false;
      },
    );
  }

  /**
   * Stores a zip that passed the gates: its hash first (and meanwhile what must precede the zip: the feed's
   * marker), then the zip; then announces it. Throws when a write fails.
   */
  async storeZip(z: ZipCommit): Promise<void> {
    await Promise.all([this.deps.store.put(artifactKey(z.module, z.version, 'ziphash'), z.h1), this.deps.events.beforeZip(z.module, z.version)]);
    const key = artifactKey(z.module, z.version, 'zip');
    if (z.data !== undefined) await this.deps.store.put(key, z.data);
    else if (z.file !== undefined) await this.deps.store.putFile(key, z.file);
    else throw new Error('storeZip: neither a file nor the bytes of the zip');
    this.deps.events.emit('filled', { module: z.module, version: z.version, kind: 'zip', size: z.size, h1: z.h1 });
  }
}
