// Keeps the module cache under --cache-max-size: past the high watermark, zips are removed least recently
// used first until the low watermark. Only zips: `.mod`, `.info` and the `.ziphash` stay, so a zip filled
// again is checked against the h1 first stored (verify/kept-hash-gate.ts). One evictor at a time across
// workers and replicas, under a coordinator lease; any process may start a pass after its own fills.
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import { tryHold } from '../coord/lease.js';
import type { FilledEvent } from '../fill/types.js';
import type { Metrics } from '../metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { AccessTimes } from './access-times.js';
import { versionName } from './content-keys.js';
import type { ProtectionDeps } from './protection.js';
import { protectionSnapshot } from './protection.js';
import { StoreUsage } from './store-usage.js';
import type { StoredZip } from './store-usage.js';
import type { ZipReaders } from './zip-readers.js';

export interface EvictorOptions {
  readonly maxBytes: number;
  /** Percent of maxBytes where a pass starts, and where it stops. */
  readonly highPercent: number;
  readonly lowPercent: number;
  /** Between passes that are not triggered by fills. */
  readonly intervalMs?: number;
}

export interface EvictorDeps extends ProtectionDeps {
  readonly store: BlobStore;
  readonly coord: Coordinator;
  readonly access: AccessTimes;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly redact: (modulePath: string) => string;
  /** Zips this process is reading: never evicted while read. */
  readonly readers?: ZipReaders;
}

export interface PassResult {
  readonly before: number;
  readonly after: number;
  readonly evicted: number;
}

export const EVICT_LEASE = 'evict:cache';
const LEASE_TTL_MS = 30_000;
/** When another process holds the lease, look again after this long (its scan may predate our fills). */
const BUSY_RETRY_MS = 1000;

export class Evictor {
  readonly #usage: StoreUsage;
  /** The last scan's total plus what this process filled since. */
  #estimate = 0;
  #running: Promise<PassResult | undefined> | undefined;
  /** The one pass that follows the running one, shared by every kick made while it runs. */
  #next: Promise<PassResult | undefined> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(
    private readonly deps: EvictorDeps,
    private readonly options: EvictorOptions,
  ) {
    this.#usage = new StoreUsage(deps.store);
  }

  private get high(): number {
    return (this.options.maxBytes * this.options.highPercent) / 100;
  }

  private get low(): number {
    return (this.options.maxBytes * this.options.lowPercent) / 100;
  }

  /** Runs a pass now and then every interval. */
  start(): void {
    void this.kick();
    this.#timer = setInterval(() => void this.kick(), this.options.intervalMs ?? 5 * 60_000).unref();
  }

  /** A fill stored bytes here: a pass starts when they may have crossed the high watermark. */
  filled(e: FilledEvent): void {
    this.#estimate += e.size;
    if (this.#estimate > this.high) this.kick();
  }

  /**
   * Starts a pass, or, while one runs (it may have scanned before what the caller wants counted), one more
   * after it; resolves when the pass that started after this call is done.
   */
  kick(): Promise<PassResult | undefined> {
    if (this.#running === undefined) {
      this.#running = this.pass().finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    this.#next ??= this.#running.then(() => {
      this.#next = undefined;
      return this.#closed ? undefined : this.kick();
    });
    return this.#next;
  }

  /** One pass under the lease; undefined when another process holds it. */
  async pass(): Promise<PassResult | undefined> {
    const held = await tryHold(this.deps.coord, EVICT_LEASE, LEASE_TTL_MS).catch((err: unknown) => {
      this.deps.log.warn({ err: (err as Error).message }, 'eviction skipped: the coordinator is unreachable');
      return undefined;
    });
    if (held === undefined) {
      if (this.#estimate > this.high) this.#later(BUSY_RETRY_MS);
      return undefined;
    }
    try {
      return await this.#evict(held.lost);
    } catch (err) {
      this.deps.log.error({ err }, 'eviction pass failed');
      return undefined;
    } finally {
      await held.release();
    }
  }

  async #evict(lost: AbortSignal): Promise<PassResult> {
    const { metrics } = this.deps;
    const usage = await this.#usage.scan(lost);
    let total = usage.bytes;
    this.#estimate = total;
    metrics.storeBytes.set(total);
    if (total <= this.high) return { before: total, after: total, evicted: 0 };
    const protection = await protectionSnapshot(this.deps);
    metrics.protectedVersions.set({ reason: 'pinned' }, protection.pinned);
    metrics.protectedVersions.set({ reason: 'bundled' }, protection.bundled);
    const accessed = await this.deps.access.load();
    const lastUse = (z: StoredZip) => Math.max(z.mtimeMs, accessed.get(versionName(z.path, z.version)) ?? 0);
    const candidates = usage.zips.filter((z) => protection.reason(z.path, z.version) === undefined).sort((a, b) => lastUse(a) - lastUse(b));
    let evicted = 0;
    for (const z of candidates) {
      if (total <= this.low || lost.aborted || this.#closed) break;
      if (this.deps.readers?.has(z.key) === true) continue;
      // Filled again since the scan (a refill, another process): it is in use, not the zip that was scanned.
      if ((await this.deps.store.stat(z.key))?.mtimeMs !== z.mtimeMs) continue;
      await this.deps.store.delete(z.key);
      this.#usage.forget(z.key);
      total -= z.size;
      evicted++;
      metrics.evicted.inc();
      metrics.evictedBytes.inc(z.size);
      this.deps.log.info({ module: this.deps.redact(z.path), version: z.version, bytes: z.size }, 'evicted a zip (least recently used)');
    }
    this.#estimate = total;
    metrics.storeBytes.set(total);
    if (total > this.high)
      this.deps.log.warn({ bytes: total, limit: this.options.maxBytes }, 'the module cache stays above its limit: what remains is protected');
    return { before: usage.bytes, after: total, evicted };
  }

  #later(ms: number): void {
    if (this.#closed || this.#retry !== undefined) return;
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      void this.kick();
    }, ms).unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    await this.#running;
  }
}
