// gomodproxy's own checksum database: a log in shared storage that every process serves, records for every
// module version the proxy fills (from the fill events), and one writer at a time under a lease. A process
// that is not the writer leaves one marker for the versions it filled within RECORD_BATCH_MS (one per line;
// markers of one version each, from older releases, are still read); the writer drains them. A lookup of
// an unknown version obtains it through the same fill component, then waits for the writer to record it.
import { FailureRun } from '../coord/failure-run.js';
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import { ElectedWriter } from '../coord/elected-writer.js';
import { GmpError, isGmpError } from '../errors.js';
import type { Fill, FillEvents, Filled, FilledEvent, Want } from '../fill/types.js';
import type { BlobStore } from '../storage/blob-store.js';
import { BATCH_MARKERS, PENDING_MARKERS as PENDING, batchMarkerKey, parseVersionMarker, versionMarker } from '../storage/keys.js';
import type { BlobLogStorage } from '../sumdb/blob-log-storage.js';
import { ServerLog } from '../sumdb/server-log.js';
import type { NewRecord } from '../sumdb/server-log.js';

/** How long filled versions are gathered before they are appended in one commit. */
const RECORD_BATCH_MS = 50;
const LEASE_TTL_MS = 15_000;
/** How often a process that is not the writer tries to become it, and the writer looks for markers. */
const ELECT_MS = 2000;
const DRAIN_MS = 200;
/**
 * The writer's longest wait between looks that find no markers. Shorter than the index feed's: a go command's
 * lookup of a version another worker just stored waits for that look (submit), so an idle spell adds at most this.
 */
const IDLE_DRAIN_MS = 400;
const SUBMIT_WAIT_MS = 20_000;
/** Announced hashes kept at most (versions whose zip is never filled here would otherwise pile up). */
const ANNOUNCED_MAX = 10_000;
/**
 * A version that could not be recorded (its hashes unreadable for now, its marker not stored) is tried again
 * after 1, 2, 4 … 30 s, this many times in all, before it is given up with an error in the log.
 */
const RECORD_ATTEMPTS = 8;
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

export interface OwnSumdbDeps {
  readonly storage: BlobLogStorage;
  /** Where markers of versions to record wait for the writer (shared by every process). */
  readonly markers: BlobStore;
  readonly coord: Coordinator;
  readonly signerKey: string;
  /** The fill component (wrapped in singleflight and locking): stored artifacts, or a fill of unknown ones. */
  readonly fill: Fill;
  readonly events: FillEvents;
  readonly logger: Logger;
  readonly redact: (p: string) => string;
  /** Runs once when this process first becomes the writer of an empty log (imports a legacy log). */
  readonly migrate?: (log: ServerLog) => Promise<void>;
}

interface Version {
  readonly modulePath: string;
  readonly version: string;
}

/** The other processes of this server, asked to append versions at once by whichever of them is the writer. */
export interface SumdbSiblings {
  /** True once the writer has committed them all; false when none did in time (never rejects). */
  submit(versions: readonly Version[]): Promise<boolean>;
}

export class OwnSumdb {
  #pending: Version[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** Failed attempts to record a version, by module@version, while it waits to be tried again. */
  readonly #failures = new Map<string, number>();
  #retrying: Version[] = [];
  #retryTimer: NodeJS.Timeout | undefined;
  #closing = false;
  /** Failing appends (logged once, until one works again). */
  readonly #appendFailures = new FailureRun();
  readonly #election: ElectedWriter;
  /**
   * The hashes fill events announced, by module@version, until the version is recorded: the writer then needs
   * no storage reads to make its go.sum lines (a version whose .mod another process filled is read as before).
   */
  readonly #announced = new Map<string, { mod?: string; zip?: string }>();
  readonly #onFilled = (e: FilledEvent) => {
    if ((e.kind === 'zip' || e.kind === 'mod') && e.h1 !== undefined) {
      const key = `${e.module}@${e.version}`;
      if (this.#announced.size >= ANNOUNCED_MAX && !this.#announced.has(key)) this.#announced.clear();
      const known = this.#announced.get(key) ?? {};
      known[e.kind] = e.h1;
      this.#announced.set(key, known);
    }
    if (e.kind === 'zip') this.record(e.module, e.version);
  };

  readonly log: ServerLog;
  /** The workers of the same primary (serve --workers N): a lookup's missing version goes to the writer there. */
  siblings: SumdbSiblings | undefined;

  constructor(private readonly deps: OwnSumdbDeps) {
    this.log = new ServerLog(deps.storage, deps.signerKey, { gosum: (p, v) => this.gosum(p, v), submit: (r) => this.submit(r) });
    this.#election = new ElectedWriter({
      coord: deps.coord,
      lease: `ownlog:${this.name}`,
      ttlMs: LEASE_TTL_MS,
      electMs: ELECT_MS,
      workMs: DRAIN_MS,
      idleMs: IDLE_DRAIN_MS,
      elected: async (token) => {
        deps.storage.epoch = token;
        deps.logger.info({ sumdb: this.name }, 'this process writes the own checksum database');
        if ((await deps.storage.size(true)) === 0) await deps.migrate?.(this.log);
      },
      deposed: () => {
        deps.storage.epoch = undefined;
      },
      work: () => this.#drainMarkers(),
      failed: (err) => {
        // An unreachable coordinator is logged once where it is watched, not every few seconds here.
        const level = isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') ? 'debug' : 'warn';
        deps.logger[level]({ err: (err as Error).message }, 'own checksum database: writer election failed; retrying');
      },
      recovered: () => deps.logger.info({ sumdb: this.name }, 'own checksum database: writer election works again'),
    });
    deps.events.on('filled', this.#onFilled);
  }

  get name(): string {
    return this.log.name;
  }

  /** The go.sum lines the log holds for a version, read without fetching anything; undefined when not recorded. */
  async recorded(modulePath: string, version: string): Promise<{ readonly id: number; readonly text: string } | undefined> {
    const id = await this.deps.storage.lookupId(`${modulePath}@${version}`);
    if (id === undefined) return undefined;
    const [text] = await this.deps.storage.readRecords(id, 1);
    return text === undefined ? undefined : { id, text: text.toString('utf8') };
  }

  /** Whether this process is the log's writer now. */
  get writer(): boolean {
    return this.#election.writer;
  }

  /** Tries to become the writer now, and again every few seconds while another process is. */
  start(): Promise<void> {
    return this.#election.start();
  }

  /** The go.sum lines for a version the proxy can serve, or undefined when it cannot (404). */
  async gosum(modulePath: string, version: string): Promise<Buffer | undefined> {
    const obtain = async (want: Want) => (await this.deps.fill.stored(want)) ?? (await this.deps.fill.fill(want));
    try {
      const [zip, mod] = await Promise.all([obtain({ kind: 'zip', module: modulePath, version }), obtain({ kind: 'mod', module: modulePath, version })]);
      return gosumLines(modulePath, version, hashOf(zip, 'zip'), hashOf(mod, 'go.mod'));
    } catch (err) {
      if (err instanceof GmpError && err.notFound) return undefined;
      throw err;
    }
  }

  /**
   * Records a version the proxy filled. The writer gathers versions for a moment and appends them in one
   * commit; another process leaves a marker for the writer. Failures are logged, never thrown.
   */
  record(modulePath: string, version: string): void {
    this.#pending.push({ modulePath, version });
    this.#flushTimer ??= setTimeout(() => void this.#flush(), RECORD_BATCH_MS);
  }

  /** One marker naming `versions`, for the writer; failures are logged here, never thrown. */
  async #markAll(versions: readonly Version[]): Promise<void> {
    if (versions.length === 0) return;
    const key = batchMarkerKey(BigInt(Date.now()));
    try {
      // One escaped `module@version` per line.
      await this.deps.markers.put(key, versions.map((v) => `${versionMarker(v.modulePath, v.version)}\n`).join(''));
      this.#recordedNow(versions);
      // Marked by the writer itself (its append failed): its next tick takes them, not an idle one later.
      this.#election.wake();
    } catch (err) {
      this.#retryLater(versions.map((v) => [v, err]));
    }
  }

  /** Versions handed on (appended, or marked for the writer): nothing left to try again. */
  #recordedNow(versions: readonly Version[]): void {
    if (this.#failures.size === 0) return;
    for (const v of versions) this.#failures.delete(`${v.modulePath}@${v.version}`);
  }

  /**
   * A version served must not silently miss the log: one that failed is recorded again later, as if filled
   * then, until RECORD_ATTEMPTS have failed (or the process closes); only then is it given up, logged.
   */
  #retryLater(failed: Iterable<readonly [Version, unknown]>): void {
    let most = 0;
    for (const [v, err] of failed) {
      const key = `${v.modulePath}@${v.version}`;
      const failed = (this.#failures.get(key) ?? 0) + 1;
      if (failed >= RECORD_ATTEMPTS || this.#closing) {
        this.#failures.delete(key);
        this.#recordFailed(err, v.modulePath, v.version);
        continue;
      }
      if (failed === 1)
        this.deps.logger.warn(
          { err: (err as Error).message, module: this.deps.redact(v.modulePath), version: v.version },
          'could not record a module in the own checksum database yet; trying again',
        );
      this.#failures.set(key, failed);
      this.#retrying.push(v);
      most = Math.max(most, failed);
    }
    if (this.#retrying.length === 0 || this.#retryTimer !== undefined) return;
    this.#retryTimer = setTimeout(
      () => {
        this.#retryTimer = undefined;
        for (const v of this.#retrying.splice(0)) this.record(v.modulePath, v.version);
      },
      Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** (most - 1)),
    );
    this.#retryTimer.unref();
  }

  #recordFailed(err: unknown, modulePath: string, version: string): void {
    this.deps.logger.error({ err, module: this.deps.redact(modulePath), version }, 'could not record a module in the own checksum database');
  }

  /**
   * A sibling's lookup, when this process is the writer: appends the versions now (their hashes read here, from
   * storage, not taken from the asker) and resolves to whether all of them are in the log.
   */
  async appendAsWriter(versions: readonly Version[]): Promise<boolean> {
    if (!this.writer) return false;
    await this.#append(versions);
    return this.#allRecorded(versions);
  }

  async #allRecorded(versions: readonly Version[]): Promise<boolean> {
    const ids = await Promise.all(versions.map((v) => this.deps.storage.lookupId(`${v.modulePath}@${v.version}`)));
    return ids.every((id) => id !== undefined);
  }

  /** A lookup's missing record: appended here by the writer, else handed to the writer and awaited. */
  private async submit(records: readonly NewRecord[]): Promise<void> {
    if (this.writer) {
      await this.log.add(records);
      return;
    }
    const versions = records.map((r) => ({ modulePath: r.path, version: r.version }));
    // The writer is a sibling worker: it appends at once; this process then reads the new head now, not when its
    // copy of the head expires.
    if (this.siblings !== undefined && (await this.siblings.submit(versions))) {
      await this.deps.storage.size(true);
      if (await this.#allRecorded(versions)) return;
    }
    await this.#markAll(versions);
    const deadline = Date.now() + SUBMIT_WAIT_MS;
    for (let delay = 20; Date.now() < deadline; delay = Math.min(500, delay * 2)) {
      if (await this.#allRecorded(versions)) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async #flush(): Promise<void> {
    this.#flushTimer = undefined;
    const batch = this.#pending.splice(0);
    // Whoever writes the log now: this process appends, any other leaves the batch to the writer.
    if (this.writer) await this.#append(batch);
    else await this.#markAll(batch);
  }

  /**
   * Appends versions as the writer; what cannot be appended now is left as markers for the next writer. With
   * `done` (versions drained from markers), the markers stay where they are until it runs.
   */
  async #append(batch: readonly Version[], done?: () => Promise<void>): Promise<void> {
    if (batch.length === 0) return;
    const run = async () => {
      // Versions whose hashes could not be read now, each with its own error (for the log).
      const failed = new Map<Version, unknown>();
      const texts = await Promise.all(
        batch.map((b) => {
          const key = `${b.modulePath}@${b.version}`;
          const known = this.#announced.get(key);
          this.#announced.delete(key);
          if (known?.mod !== undefined && known.zip !== undefined) return gosumLines(b.modulePath, b.version, known.zip, known.mod);
          return this.gosum(b.modulePath, b.version).catch((err: unknown) => {
            failed.set(b, err);
            return undefined;
          });
        }),
      );
      const records = batch.flatMap((b, i) => (texts[i] === undefined ? [] : [{ path: b.modulePath, version: b.version, text: texts[i] as Buffer }]));
      try {
        if (records.length > 0) await this.log.add(records);
        if (records.length > 0 && this.#appendFailures.succeeded()) {
          this.deps.logger.info({ records: records.length }, 'own checksum database: appending again');
        }
        this.#recordedNow(batch.filter((b) => !failed.has(b)));
        // Their markers go with the others: the versions themselves are tried again from memory.
        if (failed.size > 0) this.#retryLater(failed);
        await done?.();
      } catch (err) {
        // An unreachable coordinator is logged once where it is watched, not on every drain tick here.
        // A disk that refuses the appends refuses every drain tick's (five a second): logged once until one works.
        const starts = this.#appendFailures.failed();
        const level = isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') || !starts ? 'debug' : 'error';
        this.deps.logger[level]({ err: (err as Error).message, records: records.length }, 'could not append to the own checksum database; left for the writer');
        if (done === undefined) await this.#markAll(batch);
      }
    };
    this.#writing = this.#writing.then(run, run);
    await this.#writing;
  }

  /** The writer records what other processes marked; resolves to whether there were markers. */
  async #drainMarkers(): Promise<boolean> {
    const [single, batches] = await Promise.all([this.deps.markers.list(PENDING, { limit: 200 }), this.deps.markers.list(BATCH_MARKERS, { limit: 200 })]);
    const versions: Version[] = [];
    const marked: string[] = [];
    for (const key of single.keys) {
      const v = parseVersionMarker(key.slice(PENDING.length));
      if (v !== undefined) versions.push(v);
      marked.push(key);
    }
    for (const key of batches.keys) {
      const body = await this.deps.markers.read(key);
      if (body === undefined) continue;
      // A line that names no valid module version is skipped (the marker is removed with the rest).
      for (const line of body.toString('utf8').split('\n')) {
        const v = line === '' ? undefined : parseVersionMarker(line);
        if (v !== undefined) versions.push(v);
      }
      marked.push(key);
    }
    if (marked.length === 0) return false;
    const removeMarked = async () => {
      await Promise.all(marked.map((k) => this.deps.markers.delete(k)));
    };
    // Markers that name nothing are removed at once; the others once their versions are in the log.
    if (versions.length === 0) await removeMarked();
    else await this.#append(versions, removeMarked);
    return true;
  }

  /** Appends what is still pending now, without waiting for the batch timer. */
  async flush(): Promise<void> {
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      await this.#flush();
    }
    await this.#writing;
  }

  /** Appends what is still pending (and one last try of what failed before), then gives the writer lease back. */
  async close(): Promise<void> {
    this.deps.events.off('filled', this.#onFilled);
    this.#closing = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    for (const v of this.#retrying.splice(0)) this.record(v.modulePath, v.version);
    await this.#election.close(() => this.flush());
  }
}

/** A zip or go.mod always comes with its hash; a record without one would put "undefined" in a signed log. */
function hashOf(f: Filled, what: string): string {
  if (f.h1 === undefined) throw new Error(`internal: the ${what} came without its h1: hash`);
  return f.h1;
}

function gosumLines(modulePath: string, version: string, zipH1: string, modH1: string): Buffer {
  return Buffer.from(`${modulePath} ${version} ${zipH1}\n${modulePath} ${version}/go.mod ${modH1}\n`);
}
