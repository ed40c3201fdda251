// The read path in front of the fill component: immutable artifacts (.info of a version, .mod, .zip) are
// stored once and served forever from memory or storage; list, @latest and queries live for a TTL, refresh
// in the background while in use and are served stale when every upstream fails.
import type { Logger } from 'pino';
import { type GmpError, gmpError, toGmpError } from '../errors.js';
import type { Fill, Filled, Kind, Want } from '../fill/types.js';
import { DURABLE } from '../fill/types.js';
import type { Metrics } from '../metrics.js';
import { isExactQuery } from '../protocol/answers.js';
import type { BlobStore } from '../storage/blob-store.js';
import { versionsPrefix } from '../storage/keys.js';
import type { LocalFailures } from '../storage/local-failures.js';
import { etagOf } from './etag.js';
import { ByteLRU, ENTRY_OVERHEAD, ownBytes } from '../storage/byte-lru.js';
import { KeyMemo, LookupCounters } from './memo.js';
import { NegativeCache } from './negative-cache.js';
import { listFromStorage } from './stored-versions.js';
import type { ZipReaders } from '../content/zip-readers.js';
import type { ZipHandle } from './zip-entries.js';
import { ZipEntries } from './zip-entries.js';
import type { ReadAhead } from './read-ahead.js';
import { NextAsks } from './next-asks.js';
import type { Download } from './next-asks.js';

export interface CacheOptions {
  readonly listTTLms: number;
  readonly negativeTTLms: number;
  readonly memoryBytes: number;
  readonly now?: () => number;
  /**
   * Told of every zip served (access times for eviction), with when a fill of this process produced it if it did;
   * must be cheap and never throw.
   */
  readonly zipServed?: (modulePath: string, version: string, storedAt?: number) => void;
  /** Zips being read (eviction skips them). */
  readonly zipReaders?: ZipReaders;
  /** Versions that exist besides what the upstreams list (published ones), merged into list and @latest. */
  readonly overlay?: VersionsOverlay;
  /** Fills in the background what the go command will most likely ask next (next-asks.ts, read-ahead.ts). */
  readonly readAhead?: ReadAhead;
  /**
   * Modules read-ahead may fill (default: all). Private ones are left to the clients allowed to read them: their
   * fills run on the company's servers and credentials, set off by whoever reads a go.mod that names them.
   */
  readonly mayReadAhead?: (modulePath: string) => boolean;
  /**
   * Told when a client turns to downloads, for the other processes' read-ahead (absent: only this one's): to
   * .info files (`go mod download`, `go list -m all`) or to zips (`go mod download` next, a build).
   */
  readonly downloading?: (kind: Download) => void;
  /** This process's own storage failing: told once per run of failures of one kind, not per request. */
  readonly failures?: LocalFailures;
}

/** Adds versions to list and @latest answers; `base` is the answer from the upstreams or the cache. */
export interface VersionsOverlay {
  list(modulePath: string, base: () => Promise<Small>): Promise<Small>;
  latest(modulePath: string, base: () => Promise<Small>, info: (version: string) => Promise<Small>): Promise<Small>;
}

export interface FetchOptions {
  /** Answer only from the cache (Disable-Module-Fetch / `/cached-only/`). */
  readonly cachedOnly?: boolean;
  /** Asked by read-ahead, not by a client: not counted as a lookup or a download, and reads nothing further ahead. */
  readonly ahead?: boolean;
  /** Called when the answer needs an upstream fetch (a miss or a refresh the caller waits for). */
  readonly onFill?: () => void;
}

export interface Small {
  readonly body: Buffer;
  readonly etag: string;
  readonly bytes: number;
  readonly fetchedAt: number;
  /** True when served past its TTL because every upstream failed. */
  readonly stale?: boolean;
}

export type { ZipHandle } from './zip-entries.js';

export class ModuleCache {
  private readonly memory: ByteLRU<Small>;
  private readonly zips: ZipEntries;
  private readonly counters: LookupCounters;
  private readonly keys = new KeyMemo();
  private readonly negative: NegativeCache;
  /** Answers whose durable copy is still being written: lookups must not miss them meanwhile. */
  private readonly writing = new Map<string, { value: Small; durable: Promise<boolean> }>();
  /** Zips answered while their commit still runs. */
  private readonly commits = new Set<Promise<boolean>>();
  private readonly now: () => number;
  /** What clients asked so far, for read-ahead; absent when read-ahead is off. */
  private readonly next: NextAsks | undefined;

  /** How long a list or query answer is fresh here (--list-ttl), in ms: what downstream caches may keep it for too. */
  get listTTLms(): number {
    return this.options.listTTLms;
  }

  constructor(
    private readonly store: BlobStore,
    private readonly filler: Fill,
    private readonly options: CacheOptions,
    private readonly metrics?: Metrics,
    private readonly log?: Logger,
    private readonly redact: (modulePath: string) => string = (p) => p,
  ) {
    this.now = options.now ?? Date.now;
    // A quarter of the memory budget for zips, the rest for metadata.
    this.memory = new ByteLRU(options.memoryBytes - Math.floor(options.memoryBytes / 4));
    this.zips = new ZipEntries(store, Math.floor(options.memoryBytes / 4), options.zipReaders);
    this.negative = new NegativeCache(options.negativeTTLms, this.now);
    this.counters = new LookupCounters(metrics);
    this.next = options.readAhead?.enabled === true ? new NextAsks(this.now) : undefined;
  }

  list(modulePath: string, opts: FetchOptions = {}): Promise<Small> {
    const base = () =>
      this.mutable({ kind: 'list', module: modulePath, version: '' }, this.keys.key(modulePath, '', 'list'), opts, () =>
        listFromStorage(this.store, modulePath),
      );
    return this.options.overlay === undefined ? base() : this.options.overlay.list(modulePath, base);
  }

  latest(modulePath: string, opts: FetchOptions = {}): Promise<Small> {
    const base = () => this.mutable({ kind: 'latest', module: modulePath, version: '' }, this.keys.key(modulePath, '', 'latest'), opts);
    return this.options.overlay === undefined ? base() : this.options.overlay.latest(modulePath, base, (v) => this.info(modulePath, v, opts));
  }

  /** `.info`: immutable for an exact canonical version, a TTL'd query otherwise. */
  info(modulePath: string, query: string, opts: FetchOptions = {}): Promise<Small & { immutable: boolean }> {
    // Only exact versions are ever stored under their artifact key: a memory hit needs no query parsing.
    const hit = this.hot('info', modulePath, query, opts);
    if (hit !== undefined) return Promise.resolve({ ...hit, immutable: true });
    if (isExactQuery(modulePath, query)) {
      if (this.guessing(opts)) this.downloadAsked('info');
      const exactKey = this.keys.key(modulePath, query, 'info');
      return this.immutable({ kind: 'info', module: modulePath, version: query }, exactKey, opts).then((s) => ({ ...s, immutable: true }));
    }
    const want: Want = { kind: 'query', module: modulePath, version: query };
    return this.mutable(want, this.keys.key(modulePath, query, 'query'), opts).then((s) => ({ ...s, immutable: false }));
  }

  /**
   * An immutable `.info` or `.mod` held in memory, counted as a hit; undefined otherwise (look with info/mod).
   * Synchronous, for answering hits before any request machinery runs.
   */
  hot(kind: 'info' | 'mod', modulePath: string, version: string, opts: FetchOptions = {}): Small | undefined {
    const key = this.keys.key(modulePath, version, kind);
    // Only exact versions are stored under an .info artifact key; .mod keys are exact by construction.
    const hit = kind === 'info' ? this.memory.get(key) : this.recent(key);
    if (hit !== undefined) {
      this.count(opts, kind, 'hit');
      if (kind === 'mod' && this.next?.expected(modulePath, version) === true) this.modRead(modulePath, version, hit.body, opts);
    }
    return hit;
  }

  mod(modulePath: string, version: string, opts: FetchOptions = {}): Promise<Small> {
    return this.immutable({ kind: 'mod', module: modulePath, version }, this.keys.key(modulePath, version, 'mod'), opts);
  }

  async zip(modulePath: string, version: string, opts: FetchOptions = {}): Promise<ZipHandle> {
    const handle = await this.zipHandle(modulePath, version, opts);
    // Only a zip there is to serve counts as used: a refused or absent one must not leave an access time behind.
    if (opts.ahead !== true) this.options.zipServed?.(modulePath, version, handle.filledAt);
    return handle;
  }

  private async zipHandle(modulePath: string, version: string, opts: FetchOptions): Promise<ZipHandle> {
    if (this.guessing(opts)) this.downloadAsked('zip');
    const key = this.keys.key(modulePath, version, 'zip');
    const want: Want = { kind: 'zip', module: modulePath, version };
    const mem = this.zips.get(key);
    if (mem !== undefined) {
      this.count(opts, 'zip', 'hit');
      return mem;
    }
    // Cache-only requests never fill, not even an evicted zip.
    // The refilled zip is read from the store, so its commit must be done first.
    const refill = opts.cachedOnly
      ? undefined
      : () =>
          this.fetch(want, key, {}, false).then(async (f) => {
            await f.durable;
            return f.size;
          });
    const stored = await this.filler.stored(want);
    if (stored?.h1 !== undefined) {
      this.count(opts, 'zip', 'hit');
      return this.zips.stored(key, stored.size, stored.h1, refill);
    }
    const just = this.zips.get(key);
    if (just !== undefined) {
      this.count(opts, 'zip', 'hit');
      return just;
    }
    this.count(opts, 'zip', 'miss');
    const filled = await this.fetch(want, key, opts);
    if (filled.durable !== DURABLE) {
      const commit = filled.durable;
      this.commits.add(commit);
      void commit.finally(() => this.commits.delete(commit));
    }
    return this.zips.get(key) ?? this.zips.filled(key, filled.size, filled.h1 as string, filled, refill);
  }

  /** Lookups counted for clients only: read-ahead would make the hit ratio look better than it is. */
  private count(opts: FetchOptions, endpoint: string, result: string): void {
    if (opts.ahead !== true) this.counters.count(endpoint, result);
  }

  /**
   * A client read a version's go.mod: the go.mod files the go command reads next are read ahead. Requests that
   * must not fill (cache-only) and read-ahead's own never guess further.
   */
  private modRead(modulePath: string, version: string, gomod: Buffer, opts: FetchOptions): void {
    const ahead = this.options.readAhead;
    if (!this.guessing(opts) || this.next === undefined || ahead === undefined) return;
    const may = this.options.mayReadAhead;
    for (const r of this.next.modRead(modulePath, version, gomod)) {
      const key = this.keys.key(r.path, r.version, 'mod');
      // A go.mod in memory by the time the job runs is a memory hit there, and nothing more.
      if (this.recent(key) === undefined && (may === undefined || may(r.path)))
        ahead.schedule(key, () => this.mod(r.path, r.version, { ahead: true }).then(() => undefined));
    }
  }

  /** Whether this request may set off read-ahead: read-ahead is on, and it is a client's that may fill. */
  private guessing(opts: FetchOptions): boolean {
    return this.next !== undefined && opts.ahead !== true && opts.cachedOnly !== true;
  }

  /**
   * A client asked for an exact version's .info or a zip: it turned to downloads. When this process has
   * something to predict, the other processes are told too (their share of the go.mod files may be theirs).
   */
  private downloadAsked(kind: Download): void {
    if (this.next?.pending(kind) !== true) return;
    this.downloadsAhead(kind);
    this.options.downloading?.(kind);
  }

  /**
   * Fills ahead the .info files, or the zips, of the versions minimal version selection will pick: what this
   * process's clients read since the last time.
   */
  downloadsAhead(kind: Download): void {
    const ahead = this.options.readAhead;
    if (this.next === undefined || ahead === undefined) return;
    const may = this.options.mayReadAhead;
    for (const v of this.next.downloadAsked(kind)) {
      if (may !== undefined && !may(v.path)) continue;
      const key = this.keys.key(v.path, v.version, kind);
      if (kind === 'info' && this.memory.get(key) === undefined) ahead.schedule(key, () => this.info(v.path, v.version, { ahead: true }).then(() => undefined));
      if (kind === 'zip' && this.zips.get(key) === undefined) ahead.schedule(key, () => this.zip(v.path, v.version, { ahead: true }).then(() => undefined));
    }
  }

  private async immutable(want: Want, key: string, opts: FetchOptions): Promise<Small> {
    const mem = this.recent(key);
    if (mem !== undefined) {
      this.count(opts, want.kind, 'hit');
      if (want.kind === 'mod' && this.next?.expected(want.module, want.version) === true) this.modRead(want.module, want.version, mem.body, opts);
      return mem;
    }
    const stored = await this.filler.stored(want);
    if (stored?.body !== undefined) {
      this.count(opts, want.kind, 'hit');
      return this.read(want, this.remember(key, stored), opts);
    }
    // A fill that finished while we looked in storage already answered (its write may still be running).
    const just = this.recent(key);
    if (just !== undefined) {
      this.count(opts, want.kind, 'hit');
      return this.read(want, just, opts);
    }
    this.count(opts, want.kind, 'miss');
    const filled = await this.fetch(want, key, opts);
    return this.read(want, this.recent(key) ?? this.remember(key, filled), opts);
  }

  /** An answer from storage or upstream, first in this process: a go.mod's requirements are read ahead. */
  private read(want: Want, s: Small, opts: FetchOptions): Small {
    if (want.kind === 'mod') this.modRead(want.module, want.version, s.body, opts);
    return s;
  }

  private async mutable(want: Want, key: string, opts: FetchOptions, fallback?: () => Promise<Buffer | undefined>): Promise<Small> {
    const endpoint = endpointOf(want.kind);
    const cached = this.recent(key) ?? (await this.filler.stored(want).then((f) => (f === undefined ? undefined : this.remember(key, f))));
    if (opts.cachedOnly) {
      if (cached !== undefined) return cached;
      const built = await fallback?.();
      if (built !== undefined) return small(built, this.now());
      throw notCached(want);
    }
    const age = cached === undefined ? Infinity : this.now() - cached.fetchedAt;
    const ttl = this.options.listTTLms;
    // Another process may have refreshed it meanwhile: an answer stored after half the TTL is reused.
    const refresh = () => this.fetch({ ...want, freshAfter: this.now() - ttl / 2 }, key, {}).then((f) => this.remember(key, f));
    if (cached !== undefined && age < ttl) {
      this.counters.count(endpoint, 'hit');
      // Refresh early while in use, so a busy key never expires under its users.
      if (age > ttl / 2) refresh().catch(() => undefined);
      return cached;
    }
    this.counters.count(endpoint, 'miss');
    try {
      return await this.fetch(want, key, opts, cached === undefined).then((f) => this.remember(key, f));
    } catch (err) {
      const e = toGmpError(err);
      const upstreamSaysAbsent = e.code === 'GMP_ERR_NOT_FOUND' || e.code === 'GMP_ERR_GONE';
      if (!upstreamSaysAbsent) {
        const stale = cached ?? (await fallback?.().then((b) => (b === undefined ? undefined : small(b, 0))));
        if (stale !== undefined) {
          this.counters.count(endpoint, 'stale');
          // Fetching off (`off` in the chain: an air-gapped site) is the operator's choice, not a failure to warn of per request.
          if (e.code !== 'GMP_ERR_UPSTREAM_OFF')
            this.log?.warn({ module: this.redact(want.module), endpoint, err: e.message }, 'serving stale answer: upstreams failed');
          return { ...stale, stale: true };
        }
      }
      throw e;
    }
  }

  /** A miss: not-found answers are remembered for a while; everything else goes to the fill component. */
  private async fetch(want: Want, key: string, opts: FetchOptions, checkNegative = true): Promise<Filled> {
    if (opts.cachedOnly) throw notCached(want);
    if (checkNegative) this.negative.check(key);
    opts.onFill?.();
    try {
      return await this.filler.fill(want);
    } catch (err) {
      const e = toGmpError(err);
      if (e.notFound) this.negative.remember(key, e);
      // Cut by the shutdown: the filler said so once.
      else if (e.code === 'GMP_ERR_SHUTTING_DOWN') throw e;
      // Our own disk failing is no upstream trouble: it needs an operator, so it is an error (once per run of them).
      else if (e.local) {
        if (this.options.failures?.failed(e, { module: this.redact(want.module) }) !== true)
          this.log?.error({ module: this.redact(want.module), code: e.code, err: e.message }, 'cache fill failed');
      }
      // A guess that failed is nobody's failure: a client asking for it later logs it.
      else if (opts.ahead === true) this.log?.debug({ module: this.redact(want.module), code: e.code, err: e.message }, 'read-ahead fill failed');
      else this.log?.warn({ module: this.redact(want.module), code: e.code, err: e.message }, 'cache fill failed');
      throw e;
    }
  }

  private remember(key: string, f: Filled): Small {
    const s = small(f.body as Buffer, f.fetchedAt);
    this.memory.set(key, s);
    if (f.durable !== DURABLE && this.writing.get(key)?.durable !== f.durable) {
      const entry = { value: s, durable: f.durable };
      this.writing.set(key, entry);
      void f.durable.then((stored) => {
        if (this.writing.get(key) === entry) this.writing.delete(key);
        // An immutable answer whose write failed (a full disk) is forgotten, as a zip's is: kept in memory it
        // would never be stored while this process runs; the next request fills it again. Lists expire anyway.
        if (!stored && (f.kind === 'info' || f.kind === 'mod') && this.memory.get(key) === s) this.memory.delete(key);
      });
    }
    return s;
  }

  private recent(key: string): Small | undefined {
    return this.memory.get(key) ?? this.writing.get(key)?.value;
  }

  /**
   * Forgets what memory holds about a module's list, @latest, queries and not-found answers (every module with
   * `'all'`), so the next request looks in storage and upstream again: another process refreshed it after a push.
   */
  forget(modulePath: string | 'all'): void {
    const base = modulePath === 'all' ? undefined : versionsPrefix(modulePath).slice(0, -'@v/'.length);
    const ofModule = (k: string) => base === undefined || k.startsWith(`${base}@`);
    this.memory.deleteWhere((k) => ofModule(k) && (k.endsWith('/@v/list') || k.endsWith('/@latest') || k.includes('/@q/')));
    this.negative.forgetWhere(ofModule);
  }

  /** Fetches a module's list and @latest from upstream now (a push was announced): its versions, or why not. */
  async refresh(modulePath: string): Promise<{ versions?: string[]; error?: string }> {
    this.forget(modulePath);
    const asked = this.now();
    const [list] = await Promise.allSettled(
      (['list', 'latest'] as const).map(async (kind) => {
        const filled = await this.filler.fill({ kind, module: modulePath, version: '', freshAfter: asked });
        const s = this.remember(this.keys.key(modulePath, '', kind), filled);
        await filled.durable;
        return s;
      }),
    );
    if (list?.status === 'rejected') return { error: toGmpError(list.reason).message };
    return { versions: (list?.value.body.toString('utf8') ?? '').split('\n').filter((v) => v !== '') };
  }

  /** Forgets what memory holds of a version removed from storage (a purge), so the next request looks in storage again. */
  forgetVersion(modulePath: string, version: string): void {
    for (const kind of ['info', 'mod'] as const) {
      const key = this.keys.key(modulePath, version, kind);
      this.memory.delete(key);
      this.writing.delete(key);
    }
    this.zips.forget(this.keys.key(modulePath, version, 'zip'));
  }

  /** Waits for every durable write still running. */
  async flush(): Promise<void> {
    while (this.writing.size > 0 || this.commits.size > 0) await Promise.all([...[...this.writing.values()].map((w) => w.durable), ...this.commits]);
  }

  /** On shutdown: finishes the writes. */
  close(): Promise<void> {
    return this.flush();
  }
}

function endpointOf(kind: Kind): string {
  return kind === 'query' ? 'info' : kind;
}

function small(body: Buffer, fetchedAt: number): Small {
  const own = ownBytes(body);
  return { body: own, etag: etagOf(own), bytes: own.length + ENTRY_OVERHEAD, fetchedAt };
}

function notCached(want: Want): GmpError {
  const what = want.kind === 'list' || want.kind === 'latest' ? want.kind : `${want.module}@${want.version} ${endpointOf(want.kind)}`;
  return gmpError('GMP_ERR_NOT_CACHED', `not found: ${what} is not in the cache (cache-only request)`);
}
