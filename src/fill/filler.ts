// The one fill path: raw bytes from a source (through the upstream chain) into scratch, validated by the
// protocol's rules, passed through the gates (checksum databases, policy), committed to storage, and
// announced as a 'filled' event. Singleflight and cross-process locking wrap it (singleflight.ts, locked.ts).
import type { Logger } from 'pino';
import { gmpError, isGmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { hashGoMod } from '../modzip/dirhash.js';
import { ModZipError, checkAndHashZip } from '../modzip/zip-check.js';
import { badContent, formatList, parseInfo, parseList } from '../protocol/answers.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { LocalFailures } from '../storage/local-failures.js';
import { PinnedFile } from '../storage/pinned-file.js';
import type { Scratch, ScratchFile } from '../storage/scratch.js';
import type { Chain } from '../upstream/chain.js';
import { FillDeadline } from '../upstream/deadline.js';
import { unlimited } from '../upstream/either-signal.js';
import type { DeadlinePolicy } from '../upstream/deadline.js';
import type { RawSource, SourceOptions } from '../upstream/source.js';
import { Committer } from './commit.js';
import { storedAnswer } from './stored.js';
import type { Fill, Filled, FillEvents, Gate, Want } from './types.js';

export interface FillerDeps {
  /** The upstream chain for a module (private modules get their own). */
  readonly route: (modulePath: string) => Chain;
  readonly store: BlobStore;
  readonly scratch: Scratch;
  readonly gates: readonly Gate[];
  readonly events: FillEvents;
  readonly log: Logger;
  readonly metrics?: Metrics;
  readonly redact?: (modulePath: string) => string;
  readonly now?: () => number;
  /** The total time reading from upstreams may take, scaled by size; none when absent. */
  readonly deadline?: DeadlinePolicy;
  /** The commit rules, shared with uploads (one instance for both); made from these deps when absent. */
  readonly commit?: Committer;
  /** Told of this process's own storage failing (a full disk wakes eviction). */
  readonly failures?: LocalFailures;
}

export class Filler implements Fill {
  private readonly now: () => number;
  private readonly commit: Committer;
  /** Commits finishing behind answers already sent: a shutdown waits for them (settled). */
  private readonly committing = new Set<Promise<boolean>>();
  /** Fills asking the upstreams now: a shutdown cuts them (close) before the upstream clients close. */
  private readonly running = new Set<Promise<unknown>>();
  /** Cuts the fills running when a shutdown calls cutRunning; later fills get a fresh one. */
  private cut = unlimited(new AbortController());

  constructor(private readonly deps: FillerDeps) {
    this.now = deps.now ?? Date.now;
    this.commit = deps.commit ?? new Committer(deps);
  }

  /** Resolves once every commit behind an answer has ended (stored or failed): on shutdown, before the stores close. */
  async settled(): Promise<void> {
    while (this.committing.size > 0) await Promise.all(this.committing);
  }

  /**
   * On shutdown, once no client and no follower waits for an answer any more: cuts the fills still asking the
   * upstreams (read ahead, a list refreshed behind a hit; each is logged once, at info) and resolves when they
   * and the commits behind answers have ended. Fills asked for later still run: recording what was served in
   * the own checksum database may need a go.mod, before the upstream clients close.
   */
  async cutRunning(): Promise<void> {
    const cut = this.cut;
    this.cut = unlimited(new AbortController());
    cut.abort(gmpError('GMP_ERR_SHUTTING_DOWN', 'fill cut by shutdown; nothing was stored'));
    while (this.running.size > 0) await Promise.allSettled(this.running);
    await this.settled();
  }

  /** What fills asked for now are cut by: a wrapper's wait for another process's fill watches it too (locked.ts). */
  get cutSignal(): AbortSignal {
    return this.cut.signal;
  }

  stored(want: Want): Promise<Filled | undefined> {
    return storedAnswer(this.deps.store, this.deps.scratch, want);
  }

  async fill(want: Want): Promise<Filled> {
    const policy = this.deps.deadline;
    // The message reaches logs too: a private module's path stays out of it.
    const mod = this.redact(want.module);
    const what = want.version === '' ? `${want.kind} of ${mod}` : `${want.kind} for ${mod}@${want.version}`;
    const cut = this.cut.signal;
    const deadline = policy === undefined ? undefined : new FillDeadline(policy, what, want.startedAt ?? this.now(), this.now);
    const run = this.run(want, { deadline, cut });
    this.running.add(run);
    try {
      return await run;
    } catch (err) {
      // Nobody waited for it, or it met work a cut fill had started (direct mode's shared git work): not an
      // upstream's failure, nor ours.
      if (isGmpError(err, 'GMP_ERR_SHUTTING_DOWN')) {
        this.deps.log.info({ module: mod, version: want.version, kind: want.kind }, 'fill cut by shutdown; nothing was stored');
        throw err;
      }
      this.deps.failures?.failed(err, { module: mod, version: want.version, kind: want.kind });
      throw err;
    } finally {
      this.running.delete(run);
      deadline?.dispose();
    }
  }

  private async run(want: Want, opts: SourceOptions): Promise<Filled> {
    const { module: mod, version: v } = want;
    const chain = this.deps.route(mod);
    switch (want.kind) {
      case 'list':
        return this.small(want, await chain.first(async (s) => Buffer.from(formatList(parseList(mod, (await s.list(mod, opts)).toString('utf8'))))));
      case 'latest':
        return this.small(
          want,
          await chain.first(async (s) =>
            this.checked(
              s,
              () => s.latest(mod, opts),
              (raw) => parseInfo(s.name, mod, raw).body,
            ),
          ),
        );
      case 'query':
      case 'info':
        return this.small(
          want,
          await chain.first(async (s) =>
            this.checked(
              s,
              () => s.info(mod, v, opts),
              (raw) => parseInfo(s.name, mod, raw, v).body,
            ),
          ),
        );
      case 'mod':
        return this.mod(want, chain, opts);
      case 'zip':
        return this.zip(want, chain, opts);
    }
  }

  /** Fetch, then validate; content that fails validation counts against that source (so `|` moves on). */
  private async checked<T>(s: RawSource, fetch: () => Promise<Buffer>, validate: (raw: Buffer) => T): Promise<T> {
    const raw = await fetch();
    try {
      return validate(raw);
    } catch (err) {
      this.deps.metrics?.upstreamErrors.inc({ upstream: s.name, kind: 'bad_content' });
      throw err;
    }
  }

  /** Small answers go to the clients at once; the durable copy is written behind. */
  private small(want: Want, body: Buffer, h1?: string): Filled {
    const durable = this.commit.storeBehind(want, body, h1);
    return { kind: want.kind, body, size: body.length, h1, fetchedAt: this.now(), durable };
  }

  /** The gates may start what they need of the version while it downloads. */
  private prepare(want: Want, kind: 'mod' | 'zip'): void {
    for (const gate of this.deps.gates) gate.prepare?.(want.module, want.version, kind);
  }

  private async mod(want: Want, chain: Chain, opts: SourceOptions): Promise<Filled> {
    this.prepare(want, 'mod');
    let source = '';
    const body = await chain.first(async (s) => {
      source = s.name;
      return s.mod(want.module, want.version, opts);
    });
    const h1 = hashGoMod(body);
    await this.commit.pass({ module: want.module, version: want.version, kind: 'mod', h1, body, source });
    return this.small(want, body, h1);
  }

  private async zip(want: Want, chain: Chain, opts: SourceOptions): Promise<Filled> {
    const { module: mod, version: v } = want;
    this.prepare(want, 'zip');
    const file = this.deps.scratch.file('zip');
    let pinned: PinnedFile | undefined;
    let h1: string;
    let size: number;
    let body: Buffer | undefined;
    // The zip as the source gave it in memory (a small one): then no scratch file was written, but an earlier
    // source that failed may have written one.
    let memory: Buffer | undefined;
    let attempts = 0;
    try {
      let source = '';
      ({ h1, size, body } = await chain.first(async (s) => {
        source = s.name;
        attempts++;
        const fetched = await s.zip(mod, v, file.path, opts);
        memory = fetched.bytes;
        const checked = await checkAndHashZip(file.path, mod, v, fetched.bytes).catch((err: unknown) => {
          if (!(err instanceof ModZipError)) throw err;
          this.deps.metrics?.upstreamErrors.inc({ upstream: s.name, kind: 'bad_content' });
          throw badContent(s.name, `zip for ${mod}@${v}: ${err.message}`);
        });
        return { h1: checked.h1, size: fetched.size, body: fetched.bytes ?? checked.data };
      }));
      await this.commit.pass({ module: mod, version: v, kind: 'zip', h1, ...(memory !== undefined ? { body: memory } : { file: file.path }), source });
      if (memory === undefined) pinned = await PinnedFile.open(file.path);
      else if (attempts > 1) await file.discard();
    } catch (err) {
      await file.discard();
      throw err;
    }
    // Validated and verified: the clients get it from memory or from the scratch file while the commit (fsync,
    // rename or upload) finishes behind the answer. A crash may lose the entry, never corrupt one.
    const durable = this.commitZip(mod, v, h1, size, memory ?? file).finally(() => pinned?.retire());
    this.committing.add(durable);
    void durable.finally(() => this.committing.delete(durable));
    return { kind: 'zip', body, size, h1, fetchedAt: this.now(), durable, local: pinned };
  }

  /** The hash first: a zip is only ever visible together with its hash. */
  private async commitZip(mod: string, v: string, h1: string, size: number, zip: ScratchFile | Buffer): Promise<boolean> {
    try {
      await this.commit.storeZip({ module: mod, version: v, h1, size, ...(Buffer.isBuffer(zip) ? { data: zip } : { file: zip.path }) });
      return true;
    } catch (err) {
      // A full disk is told once per run, not once per zip served meanwhile.
      if (this.deps.failures?.failed(err, { module: this.redact(mod), version: v, kind: 'zip' }) !== true)
        this.deps.log.error({ err, module: this.redact(mod), version: v }, 'could not store a filled zip; it was served but will be fetched again');
      // A stored file was taken by the store: only a failed commit leaves one behind.
      if (!Buffer.isBuffer(zip)) await zip.discard();
      return false;
    }
  }

  private redact(modulePath: string): string {
    return this.deps.redact?.(modulePath) ?? modulePath;
  }
}
