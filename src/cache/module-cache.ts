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
import { etagOf } from './etag.js';
import { ByteLRU } from './lru.js';
import { KeyMemo, LookupCounters } from './memo.js';
import { NegativeCache } from './negative-cache.js';
import { listFromStorage } from './stored-versions.js';
import type { ZipHandle } from './zip-entries.js';
import { ZipEntries } from './zip-entries.js';

export interface CacheOptions {
  readonly listTTLms: number;
  readonly negativeTTLms: number;
  readonly memoryBytes: number;
  readonly now?: () => number;
}

export interface FetchOptions {
  /** Answer only from the cache (Disable-Module-Fetch / `/cached-only/`). */
  readonly cachedOnly?: boolean;
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
    this.zips = new ZipEntries(store, Math.floor(options.memoryBytes / 4));
    this.negative = new NegativeCache(options.negativeTTLms, this.now);
    this.counters = new LookupCounters(metrics);
  }

  list(modulePath: string, opts: FetchOptions = {}): Promise<Small> {
    return this.mutable({ kind: 'list', module: modulePath, version: '' }, this.keys.key(modulePath, '', 'list'), opts, () =>
      listFromStorage(this.store, modulePath),
    );
  }

  latest(modulePath: string, opts: FetchOptions = {}): Promise<Small> {
    return this.mutable({ kind: 'latest', module: modulePath, version: '' }, this.keys.key(modulePath, '', 'latest'), opts);
  }

  /** `.info`: immutable for an exact canonical version, a TTL'd query otherwise. */
  info(modulePath: string, query: string, opts: FetchOptions = {}): Promise<Small & { immutable: boolean }> {
    const exactKey = this.keys.key(modulePath, query, 'info');
    // Only exact versions are ever stored under their artifact key: a memory hit needs no query parsing.
    const hit = this.memory.get(exactKey);
    if (hit !== undefined) {
      this.counters.count('info', 'hit');
      return Promise.resolve({ ...hit, immutable: true });
    }
    if (isExactQuery(modulePath, query)) {
      return this.immutable({ kind: 'info', module: modulePath, version: query }, exactKey, opts).then((s) => ({ ...s, immutable: true }));
    }
    const want: Want = { kind: 'query', module: modulePath, version: query };
    return this.mutable(want, this.keys.key(modulePath, query, 'query'), opts).then((s) => ({ ...s, immutable: false }));
  }

  mod(modulePath: string, version: string, opts: FetchOptions = {}): Promise<Small> {
    return this.immutable({ kind: 'mod', module: modulePath, version }, this.keys.key(modulePath, version, 'mod'), opts);
  }

  async zip(modulePath: string, version: string, opts: FetchOptions = {}): Promise<ZipHandle> {
    const key = this.keys.key(modulePath, version, 'zip');
    const want: Want = { kind: 'zip', module: modulePath, version };
    const mem = this.zips.get(key);
    if (mem !== undefined) {
      this.counters.count('zip', 'hit');
      return mem;
    }
    const stored = await this.filler.stored(want);
    if (stored?.h1 !== undefined) {
      this.counters.count('zip', 'hit');
      return this.zips.stored(key, stored.size, stored.h1);
    }
    const just = this.zips.get(key);
    if (just !== undefined) {
      this.counters.count('zip', 'hit');
      return just;
    }
    this.counters.count('zip', 'miss');
    const filled = await this.fetch(want, key, opts);
    if (filled.durable !== DURABLE) {
      const commit = filled.durable;
      this.commits.add(commit);
      void commit.finally(() => this.commits.delete(commit));
    }
    return this.zips.get(key) ?? this.zips.filled(key, filled.size, filled.h1 as string, filled.local, filled.durable);
  }

  private async immutable(want: Want, key: string, opts: FetchOptions): Promise<Small> {
    const mem = this.recent(key);
    if (mem !== undefined) {
      this.counters.count(want.kind, 'hit');
      return mem;
    }
    const stored = await this.filler.stored(want);
    if (stored?.body !== undefined) {
      this.counters.count(want.kind, 'hit');
      return this.remember(key, stored);
    }
    // A fill that finished while we looked in storage already answered (its write may still be running).
    const just = this.recent(key);
    if (just !== undefined) {
      this.counters.count(want.kind, 'hit');
      return just;
    }
    this.counters.count(want.kind, 'miss');
    const filled = await this.fetch(want, key, opts);
    return this.recent(key) ?? this.remember(key, filled);
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
      void f.durable.finally(() => {
        if (this.writing.get(key) === entry) this.writing.delete(key);
      });
    }
    return s;
  }

  private recent(key: string): Small | undefined {
    return this.memory.get(key) ?? this.writing.get(key)?.value;
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
  return { body, etag: etagOf(body), bytes: body.length + 128, fetchedAt };
}

function notCached(want: Want): GmpError {
  const what = want.kind === 'list' || want.kind === 'latest' ? want.kind : `${want.module}@${want.version} ${endpointOf(want.kind)}`;
  return gmpError('GMP_ERR_NOT_CACHED', `not found: ${what} is not in the cache (cache-only request)`);
}
