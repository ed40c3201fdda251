// Feeds the index log from the fill events: every process that stores a module version's zip (the
// artifact that makes a version servable from here) notes the time it was stored, and the one elected
// writer collects those notes once they have settled for a moment, so that versions stored at nearly the
// same time by several workers or replicas are committed in the order they were stored, and appends them
// (once per version, stamps growing strictly with the commit order).
//
// A zip stored by a fill or an upload is named before it is stored, in an intent marker under `intents/`
// (intents.ts): the writer publishes an intent's versions once their zips are in storage, so a process killed
// right after storing a zip (before its note below was written) loses no feed entry; versions stamped after a
// young intent's missing zip wait for it, a few settle periods at most (hold-back.ts). Other zips (a bundle's,
// or when an intent could not be written) are noted after they are stored, in batches: one marker blob under
// `batches/` for the versions stored within a short window (BATCH_MS), each line `<stamp ns> <escaped
// module>@<escaped version>`. One marker per version meant a durable write and a delete per version (on S3 a
// PUT, a GET and a DELETE; on ext4 without a journal, every freed inode slows the next file creations down for
// a minute). Markers of one version each under `pending/`, left by older releases, are still read.
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import { ElectedWriter } from '../coord/elected-writer.js';
import type { Timers } from '../coord/elected-writer.js';
import { isGmpError } from '../errors.js';
import type { FillEvents, FilledEvent } from '../fill/types.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { LocalFailures } from '../storage/local-failures.js';
import { BATCH_MARKERS, INTENT_MARKERS, PENDING_MARKERS as PENDING, batchMarkerKey, parseVersionMarker } from '../storage/keys.js';
import { formatBatch, parseBatch } from './batch.js';
import type { FeedEntry, IndexLog } from './index-log.js';
import { mapLimit } from '../storage/map-limit.js';
import { holdBack } from './hold-back.js';
import type { Held, Looked, Seen } from './hold-back.js';
import { INTENT_RECHECK_MS, IntentWriter } from './intents.js';
import { nowNs, nsFromMs } from './timestamp.js';

const DRAIN_LIMIT = 1000;
/** How long a process gathers versions into one batch, at most (and at most a quarter of the settle time). */
const BATCH_MS = 100;

/** Zips the writer looks for in storage at once (an intent's versions). */
const STAT_CONCURRENCY = 16;

export { formatBatch, parseBatch };

/**
 * An intent younger than this many settle periods (first read by this writer that long ago) holds back the
 * versions stamped after its missing ones, and its zips are looked for at every tick meanwhile.
 */
const INTENT_HOLD_SETTLES = 3;

/** What one drain did: the versions it appended, and whether it found markers (the writer then looks again soon). */
export interface Drained {
  readonly appended: number;
  readonly found: boolean;
}

export interface FeedRecorderDeps {
  readonly log: IndexLog;
  /** Where markers wait for the writer (shared by every process). */
  readonly markers: BlobStore;
  readonly coord: Coordinator;
  readonly events: FillEvents;
  /** Whether a version's zip is in storage (the writer publishes an intent's version only then). */
  readonly stored: (path: string, version: string) => Promise<boolean>;
  /** The lease that elects the writer. */
  readonly lease: string;
  /** How long a stored version waits before it is published. */
  readonly settleMs: number;
  readonly logger: Logger;
  readonly redact: (modulePath: string) => string;
  readonly now?: () => bigint;
  /** This process's own storage failing (a full disk): told there once per run, not here per marker. */
  readonly failures?: LocalFailures;
  /** The writer's tick timers (a test's fake clock). */
  readonly timers?: Timers;
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
  #draining: Promise<unknown> = Promise.resolve();
  readonly #intents: IntentWriter;
  readonly #unhook: () => void;
  readonly #onFilled = (e: FilledEvent) => {
    if (e.kind !== 'zip') return;
    // A zip its intent named is stored now: the writer can publish it (woken at the intent, before the zip, its
    // tick would find the zip missing; versions stored later then wait for it, but only while the intent is young).
    if (this.#intents.covered(e.module, e.version)) this.#election.wake();
    else this.mark(e.module, e.version);
  };

  constructor(private readonly deps: FeedRecorderDeps) {
    this.#now = deps.now ?? nowNs;
    this.#election = new ElectedWriter({
      coord: deps.coord,
      lease: deps.lease,
      timers: deps.timers,
      elected: async (token) => {
        deps.log.epoch = token;
        deps.logger.info('this process writes the index feed');
      },
      deposed: () => {
        deps.log.epoch = undefined;
        this.#seen.clear();
      },
      work: async () => (await this.drain()).found,
      failed: (err) => {
        // An unreachable coordinator is logged once where it is watched, not every few seconds here.
        const level = isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') ? 'debug' : 'warn';
        deps.logger[level]({ err: (err as Error).message }, 'index feed: writer election or append failed; retrying');
      },
      recovered: () => deps.logger.info('index feed: writer election and appends work again'),
    });
    this.#intents = new IntentWriter({
      markers: deps.markers,
      logger: deps.logger,
      redact: deps.redact,
      failures: deps.failures,
      // The writer knows what its own marker says: its drain need not read it back.
      // No wake here: the intent is written before its zip is stored (the zip's 'filled' wakes the writer).
      written: (key, entries) => {
        if (this.#election.writer) this.#seen.set(key, { at: Date.now(), entries, intent: true });
      },
    });
    this.#unhook = deps.events.onBeforeZip((module, version) => this.#intents.intend({ path: module, version, ts: this.#now() }));
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
    await Promise.all([...this.#marking, this.#intents.flush()]);
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
        this.#election.wake();
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
  drain(): Promise<Drained> {
    const run = () => this.#drain();
    const p = this.#draining.then(run, run);
    this.#draining = p.catch(() => undefined);
    return p;
  }

  async #drain(): Promise<Drained> {
    const pages = await Promise.all([PENDING, BATCH_MARKERS, INTENT_MARKERS].map((p) => this.deps.markers.list(p, { limit: DRAIN_LIMIT })));
    const keys = pages.flatMap((p) => p.keys);
    // Whole listings say which markers are gone (removed by hand, say): forget them.
    if (pages.every((p) => p.cursor === undefined) && this.#seen.size > keys.length) {
      const listed = new Set(keys);
      for (const k of this.#seen.keys()) if (!listed.has(k)) this.#seen.delete(k);
    }
    if (keys.length === 0) return { appended: 0, found: false };
    const now = this.#now();
    const settled = now - nsFromMs(this.deps.settleMs);
    const unread = keys.filter((k) => !this.#seen.has(k));
    const bodies = new Map(await Promise.all(unread.map(async (k) => [k, await this.deps.markers.read(k)] as const)));
    const due: [string, Seen][] = [];
    for (const key of keys) {
      let seen = this.#seen.get(key);
      if (seen === undefined) {
        const body = bodies.get(key)?.toString('utf8');
        if (body === undefined) continue;
        const entries = key.startsWith(PENDING) ? this.#single(key, body, now) : parseBatch(body);
        if (entries.length === 0) {
          // Names no version (damaged, or not a marker at all): nothing to publish, nothing to keep.
          await this.deps.markers.delete(key);
          continue;
        }
        seen = { at: Date.now(), entries, ...(key.startsWith(INTENT_MARKERS) ? { intent: true as const } : {}) };
        this.#seen.set(key, seen);
      }
      if (seen.entries.every((e) => e.ts <= settled) || Date.now() - seen.at >= this.deps.settleMs) due.push([key, seen]);
    }
    const { ready, next } = await this.#resolve(due);
    ready.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.path < b.path ? -1 : a.path > b.path ? 1 : a.version < b.version ? -1 : 1));
    const appended = ready.length === 0 ? 0 : await this.deps.log.append(ready, now);
    // Only now: had the append failed, the markers' published versions would have been forgotten.
    for (const [key, seen] of next) {
      if (seen === undefined) await this.#forget(key);
      else this.#seen.set(key, seen);
    }
    return { appended, found: true };
  }

  /**
   * Of the settled markers: the versions to publish now, and what becomes of each marker (undefined: removed).
   * An intent's versions are published once their zips are stored; one still missing some INTENT_DROP_MS after
   * the intent was first read is dropped (its fill failed, or its process died before storing the zip). While an
   * intent is young its missing zips are looked for at every tick (being stored: the process that named them is
   * slow, not dead), and versions stamped after them wait, so that the feed keeps the order the zips were stored
   * in (a tick between an intent and its zip would otherwise publish the versions stored next ahead of it); an
   * older intent is looked at every INTENT_RECHECK_MS and holds nothing back, so a failed fill stalls no feed.
   */
  async #resolve(markers: readonly [string, Seen][]): Promise<Held> {
    const t = Date.now();
    const holdMs = Math.max(INTENT_HOLD_SETTLES * this.deps.settleMs, INTENT_RECHECK_MS);
    const looks = markers.map(([key, seen]) => {
      const holds = seen.intent === true && t - seen.at < holdMs;
      const look = seen.intent === true && (holds || seen.checked === undefined || t - seen.checked >= INTENT_RECHECK_MS);
      return { key, seen, holds, look };
    });
    const present = await mapLimit(
      looks.flatMap((m) => (m.look ? m.seen.entries : [])),
      STAT_CONCURRENCY,
      (e) => this.deps.stored(e.path, e.version),
    );
    let i = 0;
    const looked = looks.map(({ key, seen, holds, look }): Looked => {
      if (seen.intent !== true) return { key, seen, ok: seen.entries, missing: [], holds };
      if (!look) return { key, seen, ok: seen.stored ?? [], missing: seen.entries, holds };
      const ok = [...(seen.stored ?? [])];
      const missing: FeedEntry[] = [];
      for (const e of seen.entries) (present[i++] === true ? ok : missing).push(e);
      return { key, seen: { ...seen, checked: t }, ok, missing, holds };
    });
    return holdBack(looked, t);
  }

  async #forget(key: string): Promise<void> {
    await this.deps.markers.delete(key);
    this.#seen.delete(key);
  }

  /** A marker of one version (older releases): the key names it, the body is its stamp. */
  #single(key: string, body: string, now: bigint): FeedEntry[] {
    const v = parseVersionMarker(key.slice(PENDING.length));
    return v === undefined ? [] : [{ path: v.modulePath, version: v.version, ts: /^\d+$/.test(body) ? BigInt(body) : now }];
  }

  /** Finishes the markers being written; the writer publishes what has settled, then gives the lease back. */
  async close(): Promise<void> {
    this.#unhook();
    this.deps.events.off('filled', this.#onFilled);
    await this.flush();
    await this.#election.close(async () => {
      if (this.#election.writer) await this.drain();
    });
  }
}
