// Catching up with a parent's index feed: pages it from the durable cursor, stores every new version through
// the normal fill path with bounded concurrency (backing off on errors), and moves the cursor only past
// versions that are done with everything before them, so a restart resumes without skipping anything, and
// versions already stored cost no upstream request. A page shorter than asked for is not the end (a parent
// may cap its pages lower): only a page with nothing new is. Entries stamped after now (a parent's clock
// ahead, or a hostile one) wait until then: the cursor never passes the clock, or what the parent stamps
// once its clock is right would fall behind the cursor and be passed over for good. An entry the parent marks
// private (a token that may read its private modules) is stored only when this proxy's own --private covers it:
// otherwise its name would go to the public checksum databases and this proxy's public feed and logs.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Fill } from '../fill/types.js';
import type { Metrics } from '../metrics.js';
import type { Cursor, CursorStore } from './cursor.js';
import { advance, entryKey } from './cursor.js';
import { PAGE_LIMIT } from './feed-client.js';
import type { FeedPage, PageEntry } from './feed-client.js';
import type { FeedEntry } from './index-log.js';
import { FEED_PAGES, Refusals } from './refusals.js';
import { failureKind, storeVersion } from './store-version.js';
import { formatTimestamp, nowNs } from './timestamp.js';

export type Result = 'stored' | 'present' | 'gone' | 'denied' | 'denied_upstream' | 'failed' | 'ignored' | 'invalid' | 'private';

export interface FollowerDeps {
  /** The feed's URL without credentials, for logs and metrics. */
  readonly name: string;
  readonly fetchPage: (since: bigint | undefined) => Promise<FeedPage>;
  readonly fill: Fill;
  readonly cursor: CursorStore;
  /** Which module paths to store (--follow-prefix); the others are passed over. */
  readonly accept: (path: string) => boolean;
  readonly concurrency: number;
  readonly logger: Logger;
  readonly redact: (modulePath: string) => string;
  /** Which module paths are private here (--private): only those of the entries the parent marks private are stored. */
  readonly isPrivate: (modulePath: string) => boolean;
  readonly metrics?: Metrics;
  /** First retry delay (doubles up to maxRetryMs) and how often wrong content is tried before it is skipped. */
  readonly retryMs?: number;
  readonly maxRetryMs?: number;
  readonly contentAttempts?: number;
  /** The clock, in nanoseconds since the epoch (tests set it). */
  readonly now?: () => bigint;
}

/** How far ahead of this clock a parent's stamp may be and still be followed at once (clocks differ a little). */
export const CLOCK_SKEW_NS = 5n * 60n * 1_000_000_000n;

/** How a catch-up ends a version that cannot be stored for now (the upstream unreachable, failing, timing out). */
export interface CatchUpOptions {
  /**
   * Tries after which such a version is left for the next catch-up (the cursor stays before it) and this one stops,
   * not caught up: a one-shot `sync` must end. Without it, such a version is retried until it is stored.
   */
  readonly transientAttempts?: number;
}

export class Follower {
  #newest: bigint | undefined;
  /** A version of this catch-up was left for the next one. */
  #left = false;
  /** Entries the last catch-up held back because they are stamped after now (plus the skew allowed). */
  #held = 0;
  /** The first stamp from the future told at warn: told again only for another one. */
  #toldFuture: bigint | undefined;
  readonly counts = new Map<Result, number>();
  /** The lag last measured (gomodproxy_follow_lag_seconds); undefined before the first page caught up with. */
  #lagSeconds: number | undefined;
  /** The parent refusing this follower (401/403), from its feed or its upstream: told once per run. */
  readonly refusals: Refusals;

  constructor(private readonly deps: FollowerDeps) {
    this.refusals = new Refusals(deps.name, deps.logger, deps.metrics);
  }

  /** Follows until the feed has nothing newer (true) or `signal` stops it (false). Feed errors are thrown. */
  async catchUp(signal: AbortSignal, options: CatchUpOptions = {}): Promise<boolean> {
    this.#left = false;
    this.#held = 0;
    let cursor = await this.deps.cursor.load();
    while (!signal.aborted) {
      const page = await this.deps.fetchPage(cursor.ts);
      this.refusals.answered(FEED_PAGES);
      const entries = this.#upToNow(page.entries);
      const newest = entries.at(-1)?.ts;
      if (newest !== undefined && (this.#newest === undefined || newest > this.#newest)) this.#newest = newest;
      const done = new Set(cursor.done);
      const todo = entries.filter((e) => cursor.ts === undefined || e.ts > cursor.ts || (e.ts === cursor.ts && !done.has(entryKey(e))));
      this.#tellInvalid(todo);
      this.#tellPrivate(todo);
      if (todo.length === 0) {
        this.#lag(cursor);
        if (page.lines < PAGE_LIMIT || cursor.ts === undefined || this.#held > 0) return true;
        // A full page of entries stamped exactly at the cursor, all done: the only way on is past that stamp.
        this.deps.logger.warn({ feed: this.deps.name }, 'a whole page of the feed has one timestamp; moving past it');
        cursor = { ts: cursor.ts + 1n, done: [] };
        this.deps.cursor.save(cursor);
        continue;
      }
      cursor = await this.#process(todo, cursor, signal, options);
      await this.deps.cursor.flush();
      if (this.#left) return false;
      // Caught up as far as the clock allows; otherwise the next page says whether there is more (short or not).
      if (this.#held > 0 && !signal.aborted) return true;
    }
    return false;
  }

  /** Entries stamped after the last catch-up's clock (plus skew): they wait for it, and the feed may list older ones first. */
  get held(): number {
    return this.#held;
  }

  /** The page's entries up to now (plus the skew); the rest are held back (counted, and told once at warn). */
  #upToNow(entries: readonly PageEntry[]): readonly PageEntry[] {
    const now = (this.deps.now ?? nowNs)();
    const first = entries.findIndex((e) => e.ts > now + CLOCK_SKEW_NS);
    if (first < 0) return entries;
    this.#held = entries.length - first;
    const e = entries[first] as PageEntry;
    if (this.#toldFuture !== e.ts)
      this.deps.logger.warn(
        { feed: this.deps.name, entries: this.#held, stamp: formatTimestamp(e.ts), now: formatTimestamp(now) },
        "the feed lists versions stamped in the future (the parent's clock is ahead, or the feed is wrong): they wait until then, and versions stamped before them are still followed",
      );
    this.#toldFuture = e.ts;
    return entries.slice(0, first);
  }

  /** Entries the go command would refuse are passed over (counted as done): one line per page says so. */
  #tellInvalid(todo: readonly PageEntry[]): void {
    const invalid = todo.filter((e) => e.invalid === true && this.deps.accept(e.path));
    const first = invalid[0];
    if (first === undefined) return;
    const text = (s: string) => (s.length > 200 ? `${s.slice(0, 200)}…` : s);
    this.deps.logger.warn(
      { feed: this.deps.name, entries: invalid.length, module: text(this.deps.redact(first.path)), version: text(first.version) },
      'the feed lists module versions the go command would refuse (an invalid path or a non-canonical version); passing over them',
    );
  }

  /** Entries the parent marks private that --private does not cover: one line per page, naming none of them. */
  #tellPrivate(todo: readonly PageEntry[]): void {
    const n = todo.filter((e) => this.#notPrivateHere(e)).length;
    if (n === 0) return;
    this.deps.logger.error(
      { feed: this.deps.name, entries: n },
      "the parent marks as private module versions that this proxy's --private does not cover; passing over them (not stored, so their names reach neither public checksum databases nor this proxy's feed): give --private the parent's private patterns, and --private-upstream the parent",
    );
  }

  #notPrivateHere(e: PageEntry): boolean {
    return e.private === true && e.invalid !== true && this.deps.accept(e.path) && !this.deps.isPrivate(e.path);
  }

  /**
   * Runs the entries `concurrency` at a time; the cursor follows the longest prefix of done ones. An entry the
   * page lists again is done once its first listing is (the cursor moves past it then), never stored or counted twice.
   */
  #process(todo: readonly PageEntry[], start: Cursor, signal: AbortSignal, options: CatchUpOptions): Promise<Cursor> {
    const seen = new Set<string>();
    const again = todo.map((e) => seen.size === seen.add(entryKey(e)).size);
    const finished = new Array<boolean>(todo.length).fill(false);
    let cursor = start;
    let next = 0;
    let first = 0;
    let running = 0;
    return new Promise((resolve) => {
      const pump = (): void => {
        while (running < this.deps.concurrency && next < todo.length && !signal.aborted) {
          const i = next++;
          running++;
          void (again[i] === true ? Promise.resolve(true) : this.#one(todo[i] as PageEntry, signal, options)).then((ok) => {
            running--;
            finished[i] = ok;
            while (first < todo.length && finished[first]) cursor = advance(cursor, todo[first++] as FeedEntry);
            if (ok) {
              this.deps.cursor.save(cursor);
              this.#lag(cursor);
            }
            pump();
          });
        }
        if (running === 0) resolve(cursor);
      };
      pump();
    });
  }

  /**
   * Stores one entry, retrying as its failure deserves; false when stopped before it was done, or left for the
   * next catch-up (options.transientAttempts). Never throws.
   */
  async #one(e: PageEntry, signal: AbortSignal, options: CatchUpOptions): Promise<boolean> {
    if (!this.deps.accept(e.path)) {
      this.#count('ignored');
      return true;
    }
    if (e.invalid === true) {
      this.#count('invalid');
      return true;
    }
    if (this.#notPrivateHere(e)) {
      this.#count('private');
      return true;
    }
    const key = entryKey(e);
    try {
      return await this.#tries(e, key, signal, options);
    } finally {
      // However it ended (a store has told the refusals already), this version is no longer tried.
      this.refusals.dropped(key);
    }
  }

  async #tries(e: FeedEntry, key: string, signal: AbortSignal, options: CatchUpOptions): Promise<boolean> {
    const log = { feed: this.deps.name, module: this.deps.redact(e.path), version: e.version };
    let delay = this.deps.retryMs ?? 1000;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        this.#count(await storeVersion(this.deps.fill, e.path, e.version));
        this.refusals.answered(key);
        return true;
      } catch (err) {
        // Stopped (a shutdown cut the fill): the version is left for the next run, without a warning.
        if (signal.aborted) return false;
        const kind = failureKind(err);
        if (kind === 'gone') {
          this.deps.logger.info({ ...log, err: (err as Error).message }, 'followed version not found upstream; skipping it');
          this.#count('gone');
          return true;
        }
        if (kind === 'denied') {
          // What the operator asked for: never stored here, so not a failure, and nothing to retry.
          this.deps.logger.info({ ...log, err: (err as Error).message }, 'followed version denied by policy; skipping it');
          this.#count('denied');
          return true;
        }
        if (kind === 'denied_upstream') {
          // The upstream's own rule, not a token to fix: every try would get the same 403, so it is passed over.
          this.deps.logger.warn({ ...log, err: (err as Error).message }, "followed version refused by the upstream's policy; skipping it");
          this.#count('denied_upstream');
          return true;
        }
        this.deps.metrics?.followErrors.inc({ feed: this.deps.name, kind: 'fill' });
        if (kind === 'content' && attempt >= (this.deps.contentAttempts ?? 3)) {
          this.deps.logger.error({ ...log, err: (err as Error).message }, 'followed version failed validation repeatedly; skipping it');
          this.#count('failed');
          return true;
        }
        if (kind === 'transient' && options.transientAttempts !== undefined && attempt >= options.transientAttempts) {
          this.deps.logger.error({ ...log, attempts: attempt, err: (err as Error).message }, 'could not store a followed version; leaving it for the next run');
          this.#left = true;
          return false;
        }
        if (!this.refusals.told(err, key, { module: log.module, version: log.version, attempt, retryInMs: delay }))
          this.deps.logger.warn({ ...log, attempt, retryInMs: delay, err: (err as Error).message }, 'could not store a followed version; retrying');
        await sleep(delay, undefined, { signal }).catch(() => undefined);
        delay = Math.min(this.deps.maxRetryMs ?? 60_000, delay * 2);
      }
    }
    return false;
  }

  #count(result: Result, n = 1): void {
    if (n === 0) return;
    this.counts.set(result, (this.counts.get(result) ?? 0) + n);
    this.deps.metrics?.followEntries.inc({ feed: this.deps.name, result }, n);
  }

  #lag(cursor: Cursor): void {
    if (this.#newest === undefined) return;
    const behind = cursor.ts === undefined ? 0n : this.#newest - cursor.ts;
    this.#lagSeconds = behind > 0n ? Number(behind) / 1e9 : 0;
    this.deps.metrics?.followLag.set({ feed: this.deps.name }, this.#lagSeconds);
  }

  /** The newest entry seen minus the newest stored with everything before it, as last measured (undefined before). */
  get lagSeconds(): number | undefined {
    return this.#lagSeconds;
  }
}
