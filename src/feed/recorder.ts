// Feeds the index log from the fill events: every process that stores a module version's zip (the
// artifact that makes a version servable from here) leaves a marker with the time it was stored; the one
// elected writer collects the markers once they have settled for a moment, so that versions stored at
// nearly the same time by several workers or replicas are committed in the order they were stored, and
// appends them (once per version, stamps growing strictly with the commit order).
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import { ElectedWriter } from '../coord/elected-writer.js';
import type { FillEvents, FilledEvent } from '../fill/types.js';
import type { BlobStore } from '../storage/blob-store.js';
import { parseVersionMarker, versionMarker } from '../storage/keys.js';
import type { FeedEntry, IndexLog } from './index-log.js';
import { nowNs, nsFromMs } from './timestamp.js';

const PENDING = 'pending/';
const DRAIN_LIMIT = 1000;

export interface FeedRecorderDeps {
  readonly log: IndexLog;
  /** Where markers wait for the writer (shared by every process). */
  readonly markers: BlobStore;
  readonly coord: Coordinator;
  readonly events: FillEvents;
  /** The lease that elects the writer. */
  readonly lease: string;
  /** How long a stored version waits before it is published. */
  readonly settleMs: number;
  readonly logger: Logger;
  readonly redact: (modulePath: string) => string;
  readonly now?: () => bigint;
}

export class FeedRecorder {
  readonly #election: ElectedWriter;
  readonly #now: () => bigint;
  /**
   * Each marker this writer has read: when it first saw it (a marker stamped by a clock far ahead still waits
   * only settleMs) and its stamp. A marker is read once, not at every tick until it settles (every 200 ms).
   */
  readonly #seen = new Map<string, { readonly at: number; readonly stamped: bigint }>();
  readonly #marking = new Set<Promise<void>>();
  #draining: Promise<number> = Promise.resolve(0);
  readonly #onFilled = (e: FilledEvent) => {
    if (e.kind === 'zip') this.mark(e.module, e.version);
  };

  constructor(private readonly deps: FeedRecorderDeps) {
    this.#now = deps.now ?? nowNs;
    this.#election = new ElectedWriter({
      coord: deps.coord,
      lease: deps.lease,
      elected: async (token) => {
        deps.log.epoch = token;
        deps.logger.info('this process writes the index feed');
      },
      deposed: () => {
        deps.log.epoch = undefined;
        this.#seen.clear();
      },
      work: async () => {
        await this.drain();
      },
      failed: (err) => deps.logger.warn({ err: (err as Error).message }, 'index feed: writer election or append failed; retrying'),
    });
    deps.events.on('filled', this.#onFilled);
  }

  start(): Promise<void> {
    return this.#election.start();
  }

  /** Leaves a marker for a version just stored here; failures are logged, never thrown. */
  mark(modulePath: string, version: string): void {
    const key = `${PENDING}${versionMarker(modulePath, version)}`;
    const stamped = this.#now();
    const p = this.deps.markers.put(key, stamped.toString()).then(
      () => {
        // The writer knows what its own marker says: its drain need not read it back.
        if (this.#election.writer) this.#seen.set(key, { at: Date.now(), stamped });
      },
      (err: unknown) => {
        this.deps.logger.error({ err, module: this.deps.redact(modulePath), version }, 'could not mark a version for the index feed');
      },
    );
    this.#marking.add(p);
    void p.finally(() => this.#marking.delete(p));
  }

  /** The writer's tick: appends the settled markers in the order they were stored, then removes them. */
  drain(): Promise<number> {
    const run = () => this.#drain();
    const p = this.#draining.then(run, run);
    this.#draining = p.catch(() => 0);
    return p;
  }

  async #drain(): Promise<number> {
    const page = await this.deps.markers.list(PENDING, { limit: DRAIN_LIMIT });
    // A whole listing says which markers are gone (removed by hand, say): forget them.
    if (page.cursor === undefined && this.#seen.size > page.keys.length) {
      const listed = new Set(page.keys);
      for (const k of this.#seen.keys()) if (!listed.has(k)) this.#seen.delete(k);
    }
    if (page.keys.length === 0) return 0;
    const now = this.#now();
    const settled = now - nsFromMs(this.deps.settleMs);
    const ready: Array<FeedEntry & { key: string }> = [];
    const unread = page.keys.filter((k) => !this.#seen.has(k));
    const bodies = new Map(await Promise.all(unread.map(async (k) => [k, await this.deps.markers.read(k)] as const)));
    for (const key of page.keys) {
      const v = parseVersionMarker(key.slice(PENDING.length));
      if (v === undefined) {
        await this.deps.markers.delete(key);
        continue;
      }
      let seen = this.#seen.get(key);
      if (seen === undefined) {
        const body = bodies.get(key)?.toString('utf8');
        if (body === undefined) continue;
        seen = { at: Date.now(), stamped: /^\d+$/.test(body) ? BigInt(body) : now };
        this.#seen.set(key, seen);
      }
      if (seen.stamped <= settled || Date.now() - seen.at >= this.deps.settleMs) ready.push({ key, path: v.modulePath, version: v.version, ts: seen.stamped });
    }
    if (ready.length === 0) return 0;
    ready.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.key < b.key ? -1 : 1));
    const appended = await this.deps.log.append(ready, now);
    for (const r of ready) {
      await this.deps.markers.delete(r.key);
      this.#seen.delete(r.key);
    }
    return appended;
  }

  /** Finishes the markers being written; the writer publishes what has settled, then gives the lease back. */
  async close(): Promise<void> {
    this.deps.events.off('filled', this.#onFilled);
    await Promise.all([...this.#marking]);
    await this.#election.close(async () => {
      if (this.#election.writer) await this.drain();
    });
  }
}
