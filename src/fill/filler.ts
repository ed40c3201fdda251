// The one fill path: raw bytes from a source (through the upstream chain) into scratch, validated by the
// protocol's rules, passed through the gates (checksum databases, policy), committed to storage, and
// announced as a 'filled' event. Singleflight and cross-process locking wrap it (singleflight.ts, locked.ts).
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { hashGoMod } from '../modzip/dirhash.js';
import { ModZipError, checkAndHashZip } from '../modzip/zip-check.js';
import { badContent, formatList, parseInfo, parseList } from '../protocol/answers.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import { PinnedFile } from '../storage/pinned-file.js';
import type { Scratch, ScratchFile } from '../storage/scratch.js';
import type { Chain } from '../upstream/chain.js';
import type { RawSource } from '../upstream/source.js';
import { storedAnswer } from './stored.js';
import type { Candidate, Fill, Filled, FillEvents, Gate, Want } from './types.js';
import { keyOf } from './types.js';

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
}

export class Filler implements Fill {
  private readonly now: () => number;

  constructor(private readonly deps: FillerDeps) {
    this.now = deps.now ?? Date.now;
  }

  stored(want: Want): Promise<Filled | undefined> {
    return storedAnswer(this.deps.store, this.deps.scratch, want);
  }

  async fill(want: Want): Promise<Filled> {
    const { module: mod, version: v } = want;
    const chain = this.deps.route(mod);
    switch (want.kind) {
      case 'list':
        return this.small(want, await chain.first(async (s) => Buffer.from(formatList(parseList(mod, (await s.list(mod)).toString('utf8'))))));
      case 'latest':
        return this.small(
          want,
          await chain.first(async (s) =>
            this.checked(
              s,
              () => s.latest(mod),
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
              () => s.info(mod, v),
              (raw) => parseInfo(s.name, mod, raw, v).body,
            ),
          ),
        );
      case 'mod':
        return this.mod(want, chain);
      case 'zip':
        return this.zip(want, chain);
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
    const durable = this.deps.store.put(keyOf(want), body).then(
      () => {
        if (want.kind === 'info' || want.kind === 'mod')
          this.deps.events.emit('filled', { module: want.module, version: want.version, kind: want.kind, size: body.length, h1 });
        return true;
      },
      (err: unknown) => {
        this.deps.log.error({ err, module: this.redact(want.module), kind: want.kind }, 'could not store a cache entry');
        return false;
      },
    );
    return { kind: want.kind, body, size: body.length, h1, fetchedAt: this.now(), durable };
  }

  private async mod(want: Want, chain: Chain): Promise<Filled> {
    let source = '';
    const body = await chain.first(async (s) => {
      source = s.name;
      return s.mod(want.module, want.version);
    });
    const h1 = hashGoMod(body);
    await this.pass({ module: want.module, version: want.version, kind: 'mod', h1, body, source });
    return this.small(want, body, h1);
  }

  private async zip(want: Want, chain: Chain): Promise<Filled> {
    const { module: mod, version: v } = want;
    const file = this.deps.scratch.file('zip');
    let pinned: PinnedFile;
    let h1: string;
    let size: number;
    try {
      let source = '';
      ({ h1, size } = await chain.first(async (s) => {
        source = s.name;
        const n = await s.zip(mod, v, file.path);
        const checked = await checkAndHashZip(file.path, mod, v).catch((err: unknown) => {
          if (!(err instanceof ModZipError)) throw err;
          this.deps.metrics?.upstreamErrors.inc({ upstream: s.name, kind: 'bad_content' });
          throw badContent(s.name, `zip for ${mod}@${v}: ${err.message}`);
        });
        return { h1: checked.h1, size: n };
      }));
      await this.pass({ module: mod, version: v, kind: 'zip', h1, file: file.path, source });
      pinned = await PinnedFile.open(file.path);
    } catch (err) {
      await file.discard();
      throw err;
    }
    // Validated and verified: the clients get it from the scratch file while the commit (fsync, rename or
    // upload) finishes behind the answer. A crash may lose the entry, never corrupt one.
    const durable = this.commitZip(mod, v, h1, size, file).finally(() => pinned.retire());
    return { kind: 'zip', size, h1, fetchedAt: this.now(), durable, local: pinned };
  }

  /** The hash first: a zip is only ever visible together with its hash. */
  private async commitZip(mod: string, v: string, h1: string, size: number, file: ScratchFile): Promise<boolean> {
    try {
      await this.deps.store.put(artifactKey(mod, v, 'ziphash'), h1);
      await this.deps.store.putFile(artifactKey(mod, v, 'zip'), file.path);
      this.deps.events.emit('filled', { module: mod, version: v, kind: 'zip', size, h1 });
      return true;
    } catch (err) {
      this.deps.log.error({ err, module: this.redact(mod), version: v }, 'could not store a filled zip; it was served but will be fetched again');
      return false;
    } finally {
      await file.discard();
    }
  }

  private async pass(c: Candidate): Promise<void> {
    for (const gate of this.deps.gates) await gate.check(c);
  }

  private redact(modulePath: string): string {
    return this.deps.redact?.(modulePath) ?? modulePath;
  }
}
