// The cache in front of the upstream chain: immutable artifacts (.info of a version, .mod, .zip) are
// stored once and served forever; list, @latest and queries live for a TTL, refresh in the background
// while in use and are served stale when every upstream fails. One fill per key at a time.
import type { Logger } from 'pino';
import { type GmpError, gmpError, toGmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { checkAndHashZip } from '../modzip/zip-check.js';
import { latestKey, queryKey } from '../storage/keys.js';
import type { Storage } from '../storage/types.js';
import type { Source } from '../upstream/source.js';
import { formatList, isExactQuery } from '../upstream/validate.js';
import { ByteLRU } from './lru.js';
import { NegativeCache } from './negative-cache.js';
import { listFromStorage } from './stored-versions.js';
import { Singleflight } from './singleflight.js';
import { etagOf } from './etag.js';
import { KeyMemo, LookupCounters } from './memo.js';
import { WriteBehind } from './write-behind.js';
import { ZipEntries } from './zip-entries.js';
import type { ZipHandle } from './zip-entries.js';

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

type Fill = () => Promise<Buffer>;

export class ModuleCache {
  private readonly memory: ByteLRU<Small>;
  private readonly zips: ZipEntries;
  private readonly counters: LookupCounters;
  private readonly writes: WriteBehind<Small>;
  private readonly keys = new KeyMemo();
  private readonly flights = new Singleflight<unknown>();
  private readonly negative: NegativeCache;
  private readonly now: () => number;

  constructor(
    private readonly storage: Storage,
    private readonly upstream: Source,
    private readonly options: CacheOptions,
    private readonly metrics?: Metrics,
    private readonly log?: Logger,
    private readonly redact: (modulePath: string) => string = (p) => p,
  ) {
    this.now = options.now ?? Date.now;
    // A quarter of the memory budget for zips, the rest for metadata.
    this.memory = new ByteLRU(options.memoryBytes - Math.floor(options.memoryBytes / 4));
    this.zips = new ZipEntries(storage, Math.floor(options.memoryBytes / 4));
    this.negative = new NegativeCache(options.negativeTTLms, this.now);
    this.counters = new LookupCounters(metrics);
    this.writes = new WriteBehind(storage, log);
  }

  list(modulePath: string, opts: FetchOptions = {}): Promise<Small> {
    return this.mutable(
      modulePath,
      this.keys.key(modulePath, '', 'list'),
      'list',
      opts,
      async () => Buffer.from(formatList(await this.upstream.list(modulePath))),
      () => listFromStorage(this.storage, modulePath),
    );
  }

  latest(modulePath: string, opts: FetchOptions = {}): Promise<Small> {
    return this.mutable(modulePath, latestKey(modulePath), 'latest', opts, async () => (await this.upstream.latest(modulePath)).body);
  }

  /** `.info`: immutable for an exact canonical version, a TTL'd query otherwise. */
  info(modulePath: string, query: string, opts: FetchOptions = {}): Promise<Small & { immutable: boolean }> {
    const fill: Fill = async () => (await this.upstream.info(modulePath, query)).body;
    const exactKey = this.keys.key(modulePath, query, 'info');
    // Only exact versions are ever stored under their artifact key: a memory hit needs no query parsing.
    const hit = this.memory.get(exactKey);
    if (hit !== undefined) {
      this.counters.count('info', 'hit');
      return Promise.resolve({ ...hit, immutable: true });
    }
    if (isExactQuery(modulePath, query)) {
      return this.immutable(modulePath, exactKey, 'info', opts, fill).then((s) => ({ ...s, immutable: true }));
    }
    return this.mutable(modulePath, queryKey(modulePath, query), 'info', opts, fill).then((s) => ({ ...s, immutable: false }));
  }

  mod(modulePath: string, version: string, opts: FetchOptions = {}): Promise<Small> {
    return this.immutable(modulePath, this.keys.key(modulePath, version, 'mod'), 'mod', opts, () => this.upstream.mod(modulePath, version));
  }

  async zip(modulePath: string, version: string, opts: FetchOptions = {}): Promise<ZipHandle> {
    const key = this.keys.key(modulePath, version, 'zip');
    const cached = this.zips.get(key) ?? (await this.storedZip(modulePath, version, key));
    if (cached !== undefined) {
      this.counters.count('zip', 'hit');
      return cached;
    }
    this.counters.count('zip', 'miss');
    if (opts.cachedOnly) throw notCached(modulePath, version);
    this.negative.check(key);
    opts.onFill?.();
    return this.flight(key, modulePath, async () => {
      // A fill that finished between our lookup and this flight already did the work.
      const done = this.zips.get(key);
      if (done !== undefined) return done;
      const art = await this.upstream.zip(modulePath, version, () => this.storage.stage());
      try {
        // The hash is committed first: a zip is only ever visible together with its hash.
        await this.storage.write(this.keys.key(modulePath, version, 'ziphash'), art.h1);
        await art.staged.commit(key);
      } finally {
        await art.staged.discard();
      }
      return this.zips.filled(key, art.size, art.h1);
    });
  }

  private async storedZip(modulePath: string, version: string, key: string): Promise<ZipHandle | undefined> {
    const st = await this.storage.stat(key);
    if (st === undefined) return undefined;
    const hashKey = this.keys.key(modulePath, version, 'ziphash');
    const stored = (await this.storage.read(hashKey))?.toString('utf8');
    if (stored !== undefined && stored.length === 47) return this.zips.stored(key, st.size, stored);
    // A zip without its hash can only come from an operator's copy: re-derive the hash.
    const fs = this.storage as Storage & { filePath?: (k: string) => string };
    if (fs.filePath === undefined) return undefined;
    const { h1 } = await checkAndHashZip(fs.filePath(key), modulePath, version);
    await this.storage.write(hashKey, h1);
    return this.zips.stored(key, st.size, h1);
  }

  private async immutable(modulePath: string, key: string, endpoint: string, opts: FetchOptions, fill: Fill): Promise<Small> {
    const mem = this.recent(key) ?? (await this.fromStorage(key, false));
    if (mem !== undefined) {
      this.counters.count(endpoint, 'hit');
      return mem;
    }
    this.counters.count(endpoint, 'miss');
    if (opts.cachedOnly) throw gmpError('GMP_ERR_NOT_CACHED', `not found: ${endpoint} is not in the cache (cache-only request)`);
    this.negative.check(key);
    opts.onFill?.();
    // recent(): a fill that finished between our lookup and this flight already did the work.
    return this.flight(key, modulePath, async () => this.recent(key) ?? this.store(key, await fill()));
  }

  private async mutable(
    modulePath: string,
    key: string,
    endpoint: string,
    opts: FetchOptions,
    fill: Fill,
    fallback?: () => Promise<Buffer | undefined>,
  ): Promise<Small> {
    const cached = this.recent(key) ?? (await this.fromStorage(key));
    if (opts.cachedOnly) {
      if (cached !== undefined) return cached;
      const built = await fallback?.();
      if (built !== undefined) return small(built, this.now());
      throw gmpError('GMP_ERR_NOT_CACHED', `not found: ${endpoint} is not in the cache (cache-only request)`);
    }
    const age = cached === undefined ? Infinity : this.now() - cached.fetchedAt;
    const refresh = () =>
      this.flight(key, modulePath, async () => {
        const r = this.recent(key);
        if (r !== undefined && r !== cached && this.now() - r.fetchedAt < this.options.listTTLms) return r;
        return this.store(key, await fill());
      });
    if (cached !== undefined && age < this.options.listTTLms) {
      this.counters.count(endpoint, 'hit');
      // Refresh early while in use, so a busy key never expires under its users.
      if (age > this.options.listTTLms / 2) refresh().catch(() => undefined);
      return cached;
    }
    this.counters.count(endpoint, 'miss');
    if (cached === undefined) this.negative.check(key);
    opts.onFill?.();
    try {
      return await refresh();
    } catch (err) {
      const e = toGmpError(err);
      const upstreamSaysAbsent = e.code === 'GMP_ERR_NOT_FOUND' || e.code === 'GMP_ERR_GONE';
      if (!upstreamSaysAbsent) {
        const stale = cached ?? (await fallback?.().then((b) => (b === undefined ? undefined : small(b, 0))));
        if (stale !== undefined) {
          this.counters.count(endpoint, 'stale');
          this.log?.warn({ module: this.redact(modulePath), endpoint, err: e.message }, 'serving stale answer: upstreams failed');
          return { ...stale, stale: true };
        }
      }
      throw e;
    }
  }

  private async flight<T>(key: string, modulePath: string, fn: () => Promise<T>): Promise<T> {
    return this.flights.do(key, async () => {
      this.metrics?.fillsInFlight.inc();
      try {
        return await fn();
      } catch (err) {
        const e = toGmpError(err);
        if (e.notFound) this.negative.remember(key, e);
        else this.log?.warn({ module: this.redact(modulePath), code: e.code, err: e.message }, 'cache fill failed');
        throw e;
      } finally {
        this.metrics?.fillsInFlight.dec();
      }
    }) as Promise<T>;
  }

  /** Immutable artifacts need no age: their lookup is one read, not a read and a stat. */
  private async fromStorage(key: string, withAge = true): Promise<Small | undefined> {
    const [body, st] = await Promise.all([this.storage.read(key), withAge ? this.storage.stat(key) : { mtimeMs: 0 }]);
    if (body === undefined || st === undefined) return undefined;
    const s = small(body, st.mtimeMs);
    this.memory.set(key, s);
    return s;
  }

  /** Answers at once; the durable copy is written behind (see WriteBehind). */
  private async store(key: string, body: Buffer): Promise<Small> {
    const s = small(body, this.now());
    this.memory.set(key, s);
    this.writes.write(key, body, s);
    return s;
  }

  /** Waits for every write-behind still running. */
  flush(): Promise<void> {
    return this.writes.flush();
  }

  /** On shutdown: finishes the writes and closes cached file descriptors. */
  async close(): Promise<void> {
    await this.flush();
    (this.storage as Storage & { closeFiles?: () => void }).closeFiles?.();
  }

  private recent(key: string): Small | undefined {
    return this.memory.get(key) ?? this.writes.get(key);
  }
}

function small(body: Buffer, fetchedAt: number): Small {
  return { body, etag: etagOf(body), bytes: body.length + 128, fetchedAt };
}

function notCached(modulePath: string, version: string): GmpError {
  return gmpError('GMP_ERR_NOT_CACHED', `not found: ${modulePath}@${version} zip is not in the cache (cache-only request)`);
}
