// Keeps the module cache under --cache-max-size, and its file system above --cache-min-free: past the high
// watermark, or with too little free on the disk, zips are removed least recently used first until the low
// watermark, or until enough is free. Only zips: `.mod`, `.info` and the `.ziphash` stay, so a zip filled
// again is checked against the h1 first stored (verify/kept-hash-gate.ts). One evictor at a time across
// workers and replicas, under a coordinator lease; any process may start a pass after its own fills, and a
// write that found the disk full starts one at once.
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import type { Exclusive } from '../coord/exclusive.js';
import { tryHold } from '../coord/lease.js';
import type { FilledEvent } from '../fill/types.js';
import type { Metrics } from '../metrics.js';
import type { BlobStore, DiskSpace } from '../storage/blob-store.js';
import type { AccessTimes } from './access-times.js';
import { removeStrayMarks } from './bundled-marks.js';
import { versionName } from './content-keys.js';
import { FreeSpace, minFreeSet } from './free-space.js';
import type { MinFree } from './free-space.js';
import type { ProtectionDeps } from './protection.js';
import { protectionSnapshot } from './protection.js';
import { StoreUsage } from './store-usage.js';
import type { StoredZip } from './store-usage.js';
import type { ZipReaders } from './zip-readers.js';

export interface EvictorOptions {
  /** The cap on the module cache's size; 0: none. */
  readonly maxBytes: number;
  /** Percent of maxBytes where a pass starts, and where it stops. */
  readonly highPercent: number;
  readonly lowPercent: number;
  /** What to keep free on the store's file system (with deps.space); none when absent or 0. */
  readonly minFree?: MinFree;
  /** Between passes that are not triggered by fills. */
  readonly intervalMs?: number;
}

export interface EvictorDeps extends ProtectionDeps {
  readonly store: BlobStore;
  readonly coord: Coordinator;
  /** What fills and imports hold a version's files with: a stray import mark is removed only holding them. */
  readonly locks: Exclusive;
  readonly access: AccessTimes;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly redact: (modulePath: string) => string;
  /** Zips this process is reading: never evicted while read. */
  readonly readers?: ZipReaders;
  /** The space on the store's file system (stores of local files); minFree applies only with it. */
  readonly space?: () => Promise<DiskSpace>;
}

export interface PassResult {
  readonly before: number;
  readonly after: number;
  readonly evicted: number;
}

/** The module cache's size as an eviction pass left it, and when (ms since the epoch). */
export interface StoreMeasure {
  readonly bytes: number;
  readonly at: number;
}

export const EVICT_LEASE = 'evict:cache';
const LEASE_TTL_MS = 30_000;
/** When another process holds the lease, look again after this long (its scan may predate our fills). */
const BUSY_RETRY_MS = 1000;

export class Evictor {
  readonly #usage: StoreUsage;
  /** Undefined without a minimum to keep free (none set, or a store that is not on a local disk). */
  readonly #free: FreeSpace | undefined;
  /**
   * The last pass left the disk below the minimum with nothing more to evict: fills no longer start passes (each
   * would list the whole cache for nothing) and the warning is not repeated; the periodic pass and a full disk still run.
   */
  #stuckLow = false;
  /**
   * The total the last pass left above the high watermark, everything left protected or in use: fills start a
   * pass again only once as much more as a pass would free (the band between the watermarks) has been stored,
   * not each one (each would list the whole cache for nothing). Undefined when the last pass got below it.
   */
  #stuckAbove: number | undefined;
  /** The last scan's total plus what this process filled since. */
  #estimate = 0;
  /** What this process last measured (gomodproxy_cache_store_bytes), and when; undefined before its first pass. */
  #measured: StoreMeasure | undefined;
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
    const min = options.minFree;
    this.#free = min !== undefined && minFreeSet(min) && deps.space !== undefined ? new FreeSpace(deps.space, min) : undefined;
  }

  /** The module cache's bytes at this process's last eviction check (after what it evicted); undefined before one. */
  get measured(): StoreMeasure | undefined {
    return this.#measured;
  }

  /** Whether anything is to be done: a cap, or a minimum of free space. */
  get active(): boolean {
    return this.#capped || this.#free !== undefined;
  }

  get #capped(): boolean {
    return this.options.maxBytes > 0;
  }

  /** Over the cap, as far as this process knows without a scan. */
  get #overCap(): boolean {
    return this.#capped && this.#estimate > this.high;
  }

  /** Over the cap, and by enough more than the last pass could not free that a new pass may find something. */
  get #overCapAgain(): boolean {
    return this.#overCap && (this.#stuckAbove === undefined || this.#estimate > this.#stuckAbove + (this.high - this.low));
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

  /** A fill stored bytes here: a pass starts when they may have crossed the high watermark, or the minimum of free space. */
  filled(e: FilledEvent): void {
    this.#estimate += e.size;
    this.#free?.used(e.size);
    if (this.#overCapAgain || (this.#free?.low === true && !this.#stuckLow)) this.kick();
  }

  /**
   * A write failed for want of space (ENOSPC): a pass now, whatever the last measure said, so that the next fill
   * finds room. Callers tell it once per run of such failures; while a pass runs, that pass is the answer.
   */
  diskFull(): Promise<PassResult | undefined> | undefined {
    if (this.#free === undefined || this.#running !== undefined) return undefined;
    this.#free.full();
    return this.kick();
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

  /** One pass under the lease; undefined when another process holds it, or when nothing is over a limit (no cap, and room on the disk). */
  async pass(): Promise<PassResult | undefined> {
    // No cap and room on the disk (one statfs): nothing to list, no lease to take.
    if (!this.#capped && (await this.#shortfall()) === 0) return undefined;
    const held = await tryHold(this.deps.coord, EVICT_LEASE, LEASE_TTL_MS).catch((err: unknown) => {
      this.deps.log.warn({ err: (err as Error).message }, 'eviction skipped: the coordinator is unreachable');
      return undefined;
    });
    if (held === undefined) {
      if (this.#overCap || this.#free?.low === true) this.#later(BUSY_RETRY_MS);
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

  #measure(bytes: number): void {
    this.#measured = { bytes, at: Date.now() };
    this.deps.metrics.storeBytes.set(bytes);
  }

  async #evict(lost: AbortSignal): Promise<PassResult> {
    const { metrics } = this.deps;
    const usage = await this.#usage.scan(lost);
    let total = usage.bytes;
    this.#estimate = total;
    this.#measure(total);
    const overCap = this.#capped && total > this.high ? total - this.low : 0;
    // Measured again under the lease: another process may have evicted since this one last looked.
    const short = await this.#shortfall();
    const need = Math.max(overCap, short);
    if (need <= 0) {
      this.#stuckAbove = undefined;
      return { before: total, after: total, evicted: 0 };
    }
    const reason = overCap >= short ? 'cache-max-size' : 'cache-min-free';
    const protection = await protectionSnapshot(this.deps);
    metrics.protectedVersions.set({ reason: 'pinned' }, protection.pinned);
    // A mark without its zip (an import killed in between) protects nothing: not counted, and removed.
    const stored = new Set(usage.zips.map((z) => `${z.path}@${z.version}`));
    const stray = [...protection.bundled].filter((name) => !stored.has(name));
    metrics.protectedVersions.set({ reason: 'bundled' }, protection.bundled.size - stray.length);
    await removeStrayMarks(this.deps, stray);
    const accessed = await this.deps.access.load();
    const lastUse = (z: StoredZip) => Math.max(z.mtimeMs, accessed.get(versionName(z.path, z.version)) ?? 0);
    const candidates = usage.zips.filter((z) => protection.reason(z.path, z.version) === undefined).sort((a, b) => lastUse(a) - lastUse(b));
    let evicted = 0;
    let freed = 0;
    for (const z of candidates) {
      if (freed >= need || lost.aborted || this.#closed) break;
      if (this.deps.readers?.has(z.key) === true) continue;
      // Filled again since the scan (a refill, another process): it is in use, not the zip that was scanned.
      if ((await this.deps.store.stat(z.key))?.mtimeMs !== z.mtimeMs) continue;
      await this.deps.store.delete(z.key);
      this.#usage.forget(z.key);
      total -= z.size;
      freed += z.size;
      evicted++;
      metrics.evicted.inc();
      metrics.evictedBytes.inc(z.size);
      this.deps.log.info({ module: this.deps.redact(z.path), version: z.version, bytes: z.size, reason }, 'evicted a zip (least recently used)');
    }
    this.#estimate = total;
    this.#free?.used(-freed);
    this.#measure(total);
    const stuckAbove = this.#capped && total > this.high;
    if (stuckAbove && this.#stuckAbove === undefined)
      this.deps.log.warn(
        { bytes: total, limit: this.options.maxBytes },
        'the module cache stays above its limit: what remains is protected or in use (not repeated until it is below)',
      );
    this.#stuckAbove = stuckAbove ? total : undefined;
    const stuck = short > 0 && this.#free?.low === true;
    if (stuck && !this.#stuckLow && this.#free !== undefined)
      this.deps.log.warn(
        { available: this.#free.available, minimum: Math.round(this.#free.minimum), evictedBytes: freed },
        'the disk stays below --cache-min-free: what remains of the module cache is protected or in use (not repeated until it is above)',
      );
    this.#stuckLow = stuck;
    return { before: usage.bytes, after: total, evicted };
  }

  /** Bytes to free for the minimum of free space (0: enough is free, or no minimum); a failed measure is logged and counts as 0. */
  async #shortfall(): Promise<number> {
    if (this.#free === undefined) return 0;
    const short = await this.#free.shortfall().catch((err: unknown) => {
      this.deps.log.warn({ err: (err as Error).message }, 'could not measure the free space of the module cache');
      return 0;
    });
    if (short === 0) this.#stuckLow = false;
    return short;
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
