// What a refresh webhook does: for each module it names (or that a pushed repository holds here), fetch
// its repository now in direct mode, refresh list and @latest inside their TTL, store the versions newer
// than anything stored here (so a pushed tag is served at once and appears in /index for child mirrors),
// and tell the other processes to forget what they remember. Refreshes of one module run one at a time.
import type { Logger } from 'pino';
import type { Fill } from '../fill/types.js';
import { compare, sortVersions } from '../protocol/semver.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { RewriteRule } from '../vcs/remote-auth.js';
import { knownModules } from './known-modules.js';
import type { HookRequest } from './payload.js';
import { modulesOfRepository } from './repo-modules.js';

/** New versions stored per module and push at most (a first push of an old repository stores only its newest). */
export const MAX_NEW_VERSIONS = 10;

export interface ModuleRefresh {
  readonly module: string;
  /** The module's versions now, or why they could not be fetched. */
  readonly versions?: readonly string[];
  readonly stored?: readonly string[];
  readonly error?: string;
}

export interface RefresherDeps {
  readonly cache: { refresh(modulePath: string): Promise<{ versions?: string[]; error?: string }> };
  readonly fill: Fill;
  readonly store: BlobStore;
  /** Makes direct mode fetch the module's repository on the next request. */
  readonly expire: (modulePath: string) => Promise<void>;
  readonly announce: (modules: readonly string[]) => Promise<void>;
  readonly rewrite: readonly RewriteRule[];
  readonly log: Logger;
  readonly redact: (modulePath: string) => string;
}

export class Refresher {
  /** Per module: the refresh running now, and the one queued behind it (shared by every later ask). */
  readonly #running = new Map<string, Promise<ModuleRefresh>>();
  readonly #queued = new Map<string, Promise<ModuleRefresh>>();

  constructor(private readonly deps: RefresherDeps) {}

  async modulesOf(req: Extract<HookRequest, { kind: 'refresh' }>): Promise<string[]> {
    const out = new Set(req.modules);
    for (const url of req.repositories)
      for (const p of modulesOfRepository(url, this.deps.rewrite)) for (const m of await knownModules(this.deps.store, p)) out.add(m);
    return [...out];
  }

  async refresh(modules: readonly string[]): Promise<ModuleRefresh[]> {
    const results = await Promise.all(modules.map((m) => this.one(m)));
    await this.deps.announce(modules);
    return results;
  }

  /**
   * A refresh asked while one runs for the same module waits for it and runs once more (the running one may
   * predate the push); every ask meanwhile shares that one, so a flood of hooks costs two fetches, not one each.
   */
  private one(module: string): Promise<ModuleRefresh> {
    const queued = this.#queued.get(module);
    if (queued !== undefined) return queued;
    const running = this.#running.get(module);
    const start = (): Promise<ModuleRefresh> => {
      const run = this.run(module).finally(() => {
        if (this.#running.get(module) === run) this.#running.delete(module);
      });
      this.#running.set(module, run);
      return run;
    };
    if (running === undefined) return start();
    const next = running
      .catch(() => undefined)
      .then(() => {
        this.#queued.delete(module);
        return start();
      });
    this.#queued.set(module, next);
    return next;
  }

  private async run(module: string): Promise<ModuleRefresh> {
    const { log, redact } = this.deps;
    // A path direct mode cannot map to a repository has no mirror to expire: the refresh goes on.
    await this.deps.expire(module).catch(() => undefined);
    const listed = await this.deps.cache.refresh(module);
    if (listed.versions === undefined) {
      log.warn({ module: redact(module), err: listed.error }, 'refresh hook: the module could not be listed');
      return { module, error: listed.error };
    }
    const fresh = await this.newVersions(module, listed.versions);
    const stored: string[] = [];
    for (const version of fresh) {
      try {
        for (const kind of ['info', 'mod', 'zip'] as const) await (await this.deps.fill.fill({ kind, module, version })).durable;
        stored.push(version);
      } catch (err) {
        log.warn({ module: redact(module), version, err: (err as Error).message }, 'refresh hook: a new version could not be stored');
      }
    }
    log.info({ module: redact(module), versions: listed.versions.length, stored }, 'refreshed by a hook');
    return { module, versions: listed.versions, stored };
  }

  /** Versions newer than the newest one stored here (every version when none is), at most the newest few, oldest first. */
  private async newVersions(module: string, versions: readonly string[]): Promise<string[]> {
    const newestFirst = sortVersions(versions).reverse();
    const out: string[] = [];
    for (const version of newestFirst) {
      if ((await this.deps.fill.stored({ kind: 'zip', module, version })) !== undefined) break;
      out.push(version);
      if (out.length >= MAX_NEW_VERSIONS) break;
    }
    return out.sort(compare);
  }
}
