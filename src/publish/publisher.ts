// Publishing a module version: an upload is one more source of bytes for the commit rules (gates, hash
// before zip, 'filled' event), under the same leases as fills. Versions are immutable: the same bytes again
// are accepted, different bytes are a conflict. The zip is checked by the module zip rules and its go.mod
// must name the module; a .mod or .info sent ahead of the zip waits for it and must agree with it.
import { parseGoModLax } from '../protocol/go-mod-lax.js';
import { holdingOrGiveUp } from '../coord/exclusive.js';
import type { Exclusive, LockWait } from '../coord/exclusive.js';
import { gmpError, isGmpError } from '../errors.js';
import type { Committer } from '../fill/commit.js';
import { lockNameOf } from '../fill/types.js';
import type { Kind } from '../fill/types.js';
import { hashGoMod } from '../modzip/dirhash.js';
import { ModZipError, checkAndHashZip } from '../modzip/zip-check.js';
import { check, isCanonicalModuleVersion, synthesizedGoMod } from '../protocol/module-path.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey, uploadKey } from '../storage/keys.js';
import { modulePathOf } from '../vcs/go-mod-file.js';
import { checkedInfo } from './info-body.js';
import type { PublishedVersions } from './published-versions.js';

export interface PublisherDeps {
  readonly store: BlobStore;
  readonly commit: Committer;
  /** What the fill path holds a key with (LockedFill): an upload holds the same names. */
  readonly locks: Exclusive;
  readonly published: PublishedVersions;
  /** How long an upload waits for a fill, import or upload of the same version (--publish-lock-wait). */
  readonly lockWait: LockWait;
  readonly now?: () => Date;
}

export interface Upload {
  readonly module: string;
  readonly version: string;
  /** The publishing token's name. */
  readonly by: string;
}

/** created: a new version (201); unchanged: these bytes were there already (200); pending: waits for its zip (202). */
export interface Outcome {
  readonly result: 'created' | 'unchanged' | 'pending';
  readonly message: string;
  readonly h1?: string;
}

export class Publisher {
  constructor(private readonly deps: PublisherDeps) {}

  /** PUT …/@v/<version>.zip: publishes the version (its .mod from the zip's go.mod, its .info made now). */
  async zip(u: Upload, file: string, size: number): Promise<Outcome> {
    checkVersion(u);
    const checked = await checkAndHashZip(file, u.module, u.version).catch((err: unknown) => {
      if (err instanceof ModZipError) throw invalid(`${u.module}@${u.version}: ${err.message}`);
      throw err;
    });
    const mod = checked.goMod ?? Buffer.from(synthesizedGoMod(u.module));
    checkGoMod(u, mod, 'the go.mod in the zip');
    return this.locked(u, async () => {
      const store = this.deps.store;
      const [storedHash, storedMod, pendingMod, pendingInfo, storedInfo] = await Promise.all([
        store.read(artifactKey(u.module, u.version, 'ziphash')),
        store.read(artifactKey(u.module, u.version, 'mod')),
        store.read(uploadKey(u.module, u.version, 'mod')),
        store.read(uploadKey(u.module, u.version, 'info')),
        store.read(artifactKey(u.module, u.version, 'info')),
      ]);
      if (storedHash !== undefined) {
        if (storedHash.toString('utf8') !== checked.h1) throw conflict(u, `its zip has ${storedHash.toString('utf8')}, the upload ${checked.h1}`);
        // A hash without its zip (a failed publish whose removal failed too, or an evicted zip) is stored again.
        if ((await store.stat(artifactKey(u.module, u.version, 'zip'))) !== undefined) {
          await this.markPublished(u, storedInfo);
          return { result: 'unchanged', h1: checked.h1, message: `${u.module}@${u.version} is already there with the same content (${checked.h1})` };
        }
      }
      if (storedMod !== undefined && !storedMod.equals(mod)) throw conflict(u, 'its go.mod differs from the one in the upload');
      if (pendingMod !== undefined && !pendingMod.equals(mod))
        throw invalid(`${u.module}@${u.version}: the go.mod in the zip does not match the uploaded .mod`);
      const info = storedInfo ?? pendingInfo ?? Buffer.from(JSON.stringify({ Version: u.version, Time: this.now().toISOString() }));
      const source = `upload by ${u.by}`;
      await this.gate(u, () =>
        this.deps.commit.pass({ module: u.module, version: u.version, kind: 'mod', h1: hashGoMod(mod), body: mod, source, published: true }),
      );
      await this.gate(u, () => this.deps.commit.pass({ module: u.module, version: u.version, kind: 'zip', h1: checked.h1, file, source, published: true }));
      // The .mod and .info before the zip: the zip's 'filled' event has the own checksum database read them.
      // If any of it cannot be stored, what this upload stored is removed: no .mod without its zip.
      const stored: string[] = [];
      try {
        if (storedInfo === undefined) {
          stored.push(artifactKey(u.module, u.version, 'info'));
          await this.deps.commit.storeSmall(want(u, 'info'), info);
        }
        if (storedMod === undefined) {
          stored.push(artifactKey(u.module, u.version, 'mod'));
          await this.deps.commit.storeSmall(want(u, 'mod'), mod, hashGoMod(mod));
        }
        if (storedHash === undefined) stored.push(artifactKey(u.module, u.version, 'ziphash'));
        stored.push(artifactKey(u.module, u.version, 'zip'));
        await this.deps.commit.storeZip({ module: u.module, version: u.version, file, h1: checked.h1, size });
      } catch (err) {
        await this.unstore(stored);
        throw err;
      }
      await this.markPublished(u, info);
      await Promise.all([store.delete(uploadKey(u.module, u.version, 'mod')), store.delete(uploadKey(u.module, u.version, 'info'))]);
      return { result: 'created', h1: checked.h1, message: `published ${u.module}@${u.version} ${checked.h1}` };
    });
  }

  /** PUT …/@v/<version>.mod: compared with a published version, else kept until the zip comes. */
  async mod(u: Upload, body: Buffer): Promise<Outcome> {
    checkVersion(u);
    checkGoMod(u, body, 'the .mod');
    const stored = await this.publishedArtifact(u, 'mod');
    if (stored === undefined) return this.pending(u, 'mod', body);
    if (!stored.equals(body)) throw conflict(u, 'its go.mod differs from the upload');
    return { result: 'unchanged', message: `${u.module}@${u.version}: the same .mod is already there` };
  }

  /** PUT …/@v/<version>.info: its Version must be the version; a published version keeps its own Time. */
  async info(u: Upload, body: Buffer): Promise<Outcome> {
    checkVersion(u);
    const info = checkedInfo(u.module, u.version, body);
    if ((await this.publishedArtifact(u, 'info')) === undefined) return this.pending(u, 'info', info);
    return { result: 'unchanged', message: `${u.module}@${u.version}: the version is already there (its .info keeps its time)` };
  }

  /** A .mod or .info of a version whose zip is stored; undefined while the version does not exist yet. */
  private async publishedArtifact(u: Upload, kind: 'mod' | 'info'): Promise<Buffer | undefined> {
    if ((await this.deps.store.stat(artifactKey(u.module, u.version, 'ziphash'))) === undefined) return undefined;
    return this.deps.store.read(artifactKey(u.module, u.version, kind));
  }

  private async pending(u: Upload, kind: 'mod' | 'info', body: Buffer): Promise<Outcome> {
    await this.deps.store.put(uploadKey(u.module, u.version, kind), body);
    return { result: 'pending', message: `${u.module}@${u.version}: .${kind} received; the version is published when its .zip is uploaded` };
  }

  /**
   * Best effort, in the reverse order of storing (the zip before its hash: never a zip without it), up to the
   * first key that cannot be removed (the store is down): what is left stays until the same upload comes again.
   */
  private async unstore(keys: readonly string[]): Promise<void> {
    try {
      for (const key of [...keys].reverse()) await this.deps.store.delete(key);
    } catch {
      // the upload's own failure is what its client is told
    }
  }

  private async markPublished(u: Upload, info: Buffer | undefined): Promise<void> {
    let time = this.now().toISOString();
    try {
      const t = (JSON.parse(info?.toString('utf8') ?? '{}') as { Time?: unknown }).Time;
      if (typeof t === 'string') time = t;
    } catch {
      // keep now
    }
    await this.deps.published.add(u.module, { Version: u.version, Time: time, By: u.by });
  }

  /** A checksum database recording other hashes is a conflict for the publisher, not an upstream failure. */
  private async gate(u: Upload, run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (err) {
      if (isGmpError(err, 'GMP_ERR_CHECKSUM_MISMATCH')) throw conflict(u, `a checksum database records other hashes for it:\n${err.message}`);
      throw err;
    }
  }

  /** Under the same leases as a fill of its .mod and .zip, so an upstream fill and an upload never race. */
  private locked<T>(u: Upload, run: () => Promise<T>): Promise<T> {
    const names = [lockNameOf(want(u, 'mod')), lockNameOf(want(u, 'zip'))];
    const what = `another fill, import or upload of ${u.module}@${u.version}`;
    const then = 'nothing of this upload was stored; send it again once it is free, or give --publish-lock-wait a longer wait';
    return holdingOrGiveUp(this.deps.locks, names, this.deps.lockWait, what, then, run);
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}

function want(u: Upload, kind: Kind) {
  return { kind, module: u.module, version: u.version };
}

function checkVersion(u: Upload): void {
  if (!isCanonicalModuleVersion(u.version)) throw invalid(`${JSON.stringify(u.version)} is not a canonical version (like v1.2.3)`);
  const reason = check(u.module, u.version);
  if (reason !== undefined) throw invalid(reason);
}

/** The go command refuses a go.mod it cannot parse ("parsing go.mod: …") or that names another module ("module declares its path as …"). */
function checkGoMod(u: Upload, mod: Buffer, what: string): void {
  if (mod.length > 16 << 20) throw invalid(`${what} is larger than 16 MiB`);
  const problem = parseGoModLax(mod).problem;
  if (problem !== undefined) throw invalid(`${what} does not parse as the go command reads it: ${problem}`);
  const declared = modulePathOf(mod);
  if (declared !== u.module) throw invalid(`${what} declares module ${JSON.stringify(declared)}, not ${JSON.stringify(u.module)}`);
}

function invalid(message: string): Error {
  return gmpError('GMP_ERR_PUBLISH_INVALID', `invalid upload: ${message}`);
}

function conflict(u: Upload, why: string): Error {
  return gmpError('GMP_ERR_PUBLISH_CONFLICT', `conflict: ${u.module}@${u.version} already exists and ${why}; published versions never change`);
}
