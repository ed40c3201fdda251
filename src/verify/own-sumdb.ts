// gomodproxy's own checksum database: a log in shared storage that every process serves, records for every
// module version the proxy fills (from the fill events), and one writer at a time under a lease. A process
// that is not the writer leaves a marker for each version to record; the writer drains them. A lookup of
// an unknown version obtains it through the same fill component, then waits for the writer to record it.
import type { Logger } from 'pino';
import type { Coordinator } from '../coord/coordinator.js';
import type { HeldLease } from '../coord/lease.js';
import { tryHold } from '../coord/lease.js';
import { GmpError } from '../errors.js';
import type { Fill, FillEvents, FilledEvent, Want } from '../fill/types.js';
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from '../protocol/escape.js';
import { check } from '../protocol/module-path.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { BlobLogStorage } from '../sumdb/blob-log-storage.js';
import { ServerLog } from '../sumdb/server-log.js';
import type { NewRecord } from '../sumdb/server-log.js';

/** How long filled versions are gathered before they are appended in one commit. */
const RECORD_BATCH_MS = 50;
const LEASE_TTL_MS = 15_000;
/** How often a process that is not the writer tries to become it, and the writer looks for markers. */
const ELECT_MS = 2000;
const DRAIN_MS = 200;
const SUBMIT_WAIT_MS = 20_000;
const PENDING = 'pending/';

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

export class OwnSumdb {
  #pending: Version[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #lease: HeldLease | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #onFilled = (e: FilledEvent) => {
    if (e.kind === 'zip') this.record(e.module, e.version);
  };

  readonly log: ServerLog;

  constructor(private readonly deps: OwnSumdbDeps) {
    this.log = new ServerLog(deps.storage, deps.signerKey, { gosum: (p, v) => this.gosum(p, v), submit: (r) => this.submit(r) });
    deps.events.on('filled', this.#onFilled);
  }

  get name(): string {
    return this.log.name;
  }

  /** Whether this process is the log's writer now. */
  get writer(): boolean {
    return this.#lease !== undefined && !this.#lease.lost.aborted;
  }

  /** Tries to become the writer now, and again every few seconds while another process is. */
  async start(): Promise<void> {
    await this.#elect();
  }

  async #elect(): Promise<void> {
    if (this.#closed) return;
    try {
      if (!this.writer) {
        this.deps.storage.epoch = undefined;
        this.#lease = await tryHold(this.deps.coord, `ownlog:${this.name}`, LEASE_TTL_MS);
        if (this.#lease !== undefined) {
          this.deps.storage.epoch = this.#lease.lease.token;
          this.deps.logger.info({ sumdb: this.name }, 'this process writes the own checksum database');
          if ((await this.deps.storage.size(true)) === 0) await this.deps.migrate?.(this.log);
        }
      }
      if (this.writer) await this.#drainMarkers();
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'own checksum database: writer election failed; retrying');
    }
    if (!this.#closed) this.#timer = setTimeout(() => void this.#elect(), this.writer ? DRAIN_MS : ELECT_MS).unref();
  }

  /** The go.sum lines for a version the proxy can serve, or undefined when it cannot (404). */
  async gosum(modulePath: string, version: string): Promise<Buffer | undefined> {
    const obtain = async (want: Want) => (await this.deps.fill.stored(want)) ?? (await this.deps.fill.fill(want));
    try {
      const [zip, mod] = await Promise.all([obtain({ kind: 'zip', module: modulePath, version }), obtain({ kind: 'mod', module: modulePath, version })]);
      return Buffer.from(`${modulePath} ${version} ${zip.h1}\n${modulePath} ${version}/go.mod ${mod.h1}\n`);
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
    if (!this.writer) {
      void this.#mark({ modulePath, version }).catch((err: unknown) => this.#recordFailed(err, modulePath, version));
      return;
    }
    this.#pending.push({ modulePath, version });
    this.#flushTimer ??= setTimeout(() => void this.#flush(), RECORD_BATCH_MS);
  }

  #mark(v: Version): Promise<void> {
    return this.deps.markers.put(`${PENDING}${escapePath(v.modulePath)}@${escapeVersion(v.version)}`, '');
  }

  #recordFailed(err: unknown, modulePath: string, version: string): void {
    this.deps.logger.error({ err, module: this.deps.redact(modulePath), version }, 'could not record a module in the own checksum database');
  }

  /** A lookup's missing record: appended here by the writer, else marked and awaited. */
  private async submit(records: readonly NewRecord[]): Promise<void> {
    if (this.writer) {
      await this.log.add(records);
      return;
    }
    await Promise.all(records.map((r) => this.#mark({ modulePath: r.path, version: r.version })));
    const deadline = Date.now() + SUBMIT_WAIT_MS;
    for (let delay = 20; Date.now() < deadline; delay = Math.min(500, delay * 2)) {
      const ids = await Promise.all(records.map((r) => this.deps.storage.lookupId(`${r.path}@${r.version}`)));
      if (ids.every((id) => id !== undefined)) return;
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  async #flush(): Promise<void> {
    this.#flushTimer = undefined;
    await this.#append(this.#pending.splice(0));
  }

  /** Appends versions as the writer; what cannot be appended now is left as markers for the next writer. */
  async #append(batch: readonly Version[], done: () => Promise<void> = async () => {}): Promise<void> {
    if (batch.length === 0) return;
    const run = async () => {
      const texts = await Promise.all(
        batch.map((b) =>
          this.gosum(b.modulePath, b.version).catch((err: unknown) => {
            this.#recordFailed(err, b.modulePath, b.version);
            return undefined;
          }),
        ),
      );
      const records = batch.flatMap((b, i) => (texts[i] === undefined ? [] : [{ path: b.modulePath, version: b.version, text: texts[i] as Buffer }]));
      try {
        if (records.length > 0) await this.log.add(records);
        await done();
      } catch (err) {
        this.deps.logger.error({ err: (err as Error).message, records: records.length }, 'could not append to the own checksum database; left for the writer');
        await Promise.all(batch.map((v) => this.#mark(v).catch((e: unknown) => this.#recordFailed(e, v.modulePath, v.version))));
      }
    };
    this.#writing = this.#writing.then(run, run);
    await this.#writing;
  }

  /** The writer records what other processes marked. */
  async #drainMarkers(): Promise<void> {
    const page = await this.deps.markers.list(PENDING, { limit: 200 });
    if (page.keys.length === 0) return;
    const versions: Version[] = [];
    for (const key of page.keys) {
      const v = parseMarker(key.slice(PENDING.length));
      if (v !== undefined) versions.push(v);
      else await this.deps.markers.delete(key);
    }
    await this.#append(versions, async () => {
      await Promise.all(page.keys.map((k) => this.deps.markers.delete(k)));
    });
  }

  /** Appends what is still pending now, without waiting for the batch timer. */
  async flush(): Promise<void> {
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      await this.#flush();
    }
    await this.#writing;
  }

  /** Appends what is still pending, then gives the writer lease back. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.deps.events.off('filled', this.#onFilled);
    await this.flush();
    await this.#lease?.release();
    this.deps.storage.epoch = undefined;
  }
}

/** `<escaped path>@<escaped version>` of a marker; undefined for anything that is not a valid module version. */
function parseMarker(name: string): Version | undefined {
  const at = name.lastIndexOf('@');
  try {
    const modulePath = unescapePath(name.slice(0, at));
    const version = unescapeVersion(name.slice(at + 1));
    return at > 0 && check(modulePath, version) === undefined ? { modulePath, version } : undefined;
  } catch {
    return undefined;
  }
}
