// Feeds the index log from the fill events: every process that stores a module version's zip (the
// artifact that makes a version servable from here) notes the time it was stored, and the one elected
// writer collects those notes once they have settled for a moment, so that versions stored at nearly the
// same time by several workers or replicas are committed in the order they were stored, and appends them
// (once per version, stamps growing strictly with the commit order).
//
// A process writes its notes in batches: one marker blob under `batches/` for the versions it stored within
// a short window, each line `<stamp ns> <escaped module>@<escaped version>`. One marker per version meant a
// durable write and a delete per version (on S3 a PUT, a GET and a DELETE; on ext4 without a journal, every
// freed inode slows the next file creations down for a minute). Markers of one version each under
// `pending/`, left by older releases, are still read. A crash loses at most the versions of the batch being
// gathered (at most BATCH_MS), as it already lost a marker not yet written: the version stays stored and
// served, only its feed entry is missing.
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import { ElectedWriter } from '../coord/elected-writer.js';
import { isGmpError } from '../errors.js';
import type { FillEvents, FilledEvent } from '../fill/types.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { LocalFailures } from '../storage/local-failures.js';
import { BATCH_MARKERS, batchMarkerKey, parseVersionMarker, versionMarker } from '../storage/keys.js';
import type { FeedEntry, IndexLog } from './index-log.js';
import { nowNs, nsFromMs } from './timestamp.js';

/** One version per marker (older releases): the key names it, the body holds its stamp. */
const PENDING = 'pending/';
const DRAIN_LIMIT = 1000;
/** How long a process gathers versions into one batch, at most (and at most a quarter of the settle time). */
const BATCH_MS = 100;

/** What one marker says: the versions it names with their stamps, and when this writer first read it. */
interface Seen {
  readonly at: number;
  readonly entries: readonly FeedEntry[];
}

/** The lines of a batch marker; lines that do not name a valid module version with a stamp are skipped. */
export function parseBatch(body: string): FeedEntry[] {
  const out: FeedEntry[] = [];
  for (const line of body.split('\n')) {
    const m = /^(\d{1,30}) (\S+)$/.exec(line);
    const v = m === null ? undefined : parseVersionMarker(m[2] as string);
    if (m !== null && v !== undefined) out.push({ path: v.modulePath, version: v.version, ts: BigInt(m[1] as string) });
  }
  return out;
}

export function formatBatch(entries: readonly FeedEntry[]): string {
  return entries.map((e) => `${e.ts} ${versionMarker(e.path, e.version)}\n`).join('');
}

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
  /** This process's own storage failing (a full disk): told there once per run, not here per marker. */
  readonly failures?: LocalFailures;
}

export class FeedRecorder {
  readonly #election: ElectedWriter;
  readonly #now: () => bigint;
  /**
   * Each marker this writer has read: when it first saw it (a marker stamped by a clock far ahead still waits
   * only settleMs) and what it names. A marker is read once, not at every tick until it settles (every 200 ms).
   */
  readonly #seen = new Map<string, Seen>();
  readonly #marking = new Set<Promise<void>>();
  /** Versions stored here and not yet written as a batch marker, and the timer that writes them. */
  #batch: FeedEntry[] = [];
  #batchTimer: NodeJS.Timeout | undefined;
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
      failed: (err) => {
        // An unreachable coordinator is logged once where it is watched, not every few seconds here.
        const level = isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') ? 'debug' : 'warn';
        deps.logger[level]({ err: (err as Error).message }, 'index feed: writer election or append failed; retrying');
      },
      recovered: () => deps.logger.info('index feed: writer election and appends work again'),
    });
    deps.events.on('filled', this.#onFilled);
  }

  start(): Promise<void> {
    return this.#election.start();
  }

  /** Notes a version just stored here, for the next batch marker; failures are logged, never thrown. */
  mark(modulePath: string, version: string): void {
    if (this.#batch.push({ path: modulePath, version, ts: this.#now() }) === 1) {
      this.#batchTimer = setTimeout(() => this.#writeBatch(), Math.max(0, Math.min(BATCH_MS, this.deps.settleMs / 4)));
    }
  }

  /** Writes the versions gathered so far as one marker and waits for every marker being written. */
  async flush(): Promise<void> {
    this.#writeBatch();
    await Promise.all([...this.#marking]);
  }

  /** Writes the versions gathered so far as one marker. */
  #writeBatch(): void {
    clearTimeout(this.#batchTimer);
    const entries = this.#batch;
    if (entries.length === 0) return;
    this.#batch = [];
    // Several versions per marker, ordered by the first one's stamp, one line per version.
    const key = batchMarkerKey((entries[0] as FeedEntry).ts);
    const p = this.deps.markers.put(key, formatBatch(entries)).then(
      () => {
        // The writer knows what its own marker says: its drain need not read it back.
        if (this.#election.writer) this.#seen.set(key, { at: Date.now(), entries });
      },
      (err: unknown) => {
        const first = `${this.deps.redact((entries[0] as FeedEntry).path)}@${(entries[0] as FeedEntry).version}`;
        if (this.deps.failures?.failed(err, { versions: entries.length, first }) === true) return;
        this.deps.logger.error({ err, versions: entries.length, first }, 'could not mark versions for the index feed');
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
    const [single, batches] = await Promise.all([
      this.deps.markers.list(PENDING, { limit: DRAIN_LIMIT }),
      this.deps.markers.list(BATCH_MARKERS, { limit: DRAIN_LIMIT }),
    ]);
    const keys = [...single.keys, ...batches.keys];
    // Whole listings say which markers are gone (removed by hand, say): forget them.
    if (single.cursor === undefined && batches.cursor === undefined && this.#seen.size > keys.length) {
      const listed = new Set(keys);
      for (const k of this.#seen.keys()) if (!listed.has(k)) this.#seen.delete(k);
    }
    if (keys.length === 0) return 0;
    const now = this.#now();
    const settled = now - nsFromMs(this.deps.settleMs);
    const unread = keys.filter((k) => !this.#seen.has(k));
    const bodies = new Map(await Promise.all(unread.map(async (k) => [k, await this.deps.markers.read(k)] as const)));
    const ready: FeedEntry[] = [];
    const done: string[] = [];
    for (const key of keys) {
      let seen = this.#seen.get(key);
      if (seen === undefined) {
        const body = bodies.get(key)?.toString('utf8');
        if (body === undefined) continue;
        const entries = key.startsWith(BATCH_MARKERS) ? parseBatch(body) : this.#single(key, body, now);
        if (entries.length === 0) {
          // Names no version (damaged, or not a marker at all): nothing to publish, nothing to keep.
          await this.deps.markers.delete(key);
          continue;
        }
        seen = { at: Date.now(), entries };
        this.#seen.set(key, seen);
      }
      if (seen.entries.every((e) => e.ts <= settled) || Date.now() - seen.at >= this.deps.settleMs) {
        ready.push(...seen.entries);
        done.push(key);
      }
    }
    if (ready.length === 0) return 0;
    ready.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : a.version < b.version ? -1 : 1));
    const appended = await this.deps.log.append(ready, now);
    for (const key of done) {
      await this.deps.markers.delete(key);
      this.#seen.delete(key);
    }
    return appended;
  }

  /** A marker of one version (older releases): the key names it, the body is its stamp. */
  #single(key: string, body: string, now: bigint): FeedEntry[] {
    const v = parseVersionMarker(key.slice(PENDING.length));
    return v === undefined ? [] : [{ path: v.modulePath, version: v.version, ts: /^\d+$/.test(body) ? BigInt(body) : now }];
  }

  /** Finishes the markers being written; the writer publishes what has settled, then gives the lease back. */
  async close(): Promise<void> {
    this.deps.events.off('filled', this.#onFilled);
    await this.flush();
    await this.#election.close(async () => {
      if (this.#election.writer) await this.drain();
    });
  }
}
