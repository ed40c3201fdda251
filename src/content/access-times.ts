// When each zip was last served, recorded coarsely so that hits stay cheap: a hit costs a map lookup; the
// first hit of a version in each time bucket (a few hours) writes one empty blob named after the bucket.
// The evictor lists those names (no reads) and keeps the newest bucket of each version.
import { FailureRun } from '../coord/failure-run.js';
import type { Logger } from 'pino';
import type { BlobStore } from '../storage/blob-store.js';
import type { LocalFailures } from '../storage/local-failures.js';
import { listAll } from '../storage/blob-store.js';
import { ACCESS, accessKey, versionName } from './content-keys.js';

/** Access times are known to this precision: at most one write per version per bucket and process. */
export const ACCESS_RESOLUTION_MS = 4 * 3600 * 1000;
/** Versions remembered as recorded in this process; past this the memory starts over (a write each, again). */
const MAX_REMEMBERED = 200_000;

export class AccessTimes {
  /** `<name>` → the bucket last written by this process. */
  readonly #written = new Map<string, number>();
  /** Failing writes: a full disk fails every hit's write, and is logged once, not per hit. */
  readonly #failures = new FailureRun();

  constructor(
    private readonly store: BlobStore,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly resolutionMs = ACCESS_RESOLUTION_MS,
    /** This process's own storage failing (a full disk): told there, once per run with the fills' failures. */
    private readonly failures?: LocalFailures,
  ) {}

  /**
   * A zip of this version was served. Never throws, never waits. `storedAt`: when this process stored the zip
   * being served (a fill of its own), if it did.
   */
  touch(modulePath: string, version: string, storedAt?: number): void {
    const now = this.now();
    const bucket = now - (now % this.resolutionMs);
    const name = versionName(modulePath, version);
    if (this.#written.get(name) === bucket) return;
    if (this.#written.size >= MAX_REMEMBERED) this.#written.clear();
    this.#written.set(name, bucket);
    // A zip stored in this bucket says so by its own time, which the evictor reads too (the later of the two):
    // a cold fill writes no access file beside it.
    if (storedAt !== undefined && storedAt >= bucket) return;
    this.store.put(accessKey(modulePath, version, bucket), '').then(
      () => this.#failures.succeeded(),
      (err: unknown) => {
        this.#written.delete(name);
        if (this.failures?.failed(err) === true) return;
        if (this.#failures.failed())
          this.log.warn({ err: (err as Error).message }, 'could not record an access time (logged once until one is recorded again)');
      },
    );
  }

  /** A zip of this version was just stored (filled, imported): its own time records this use. */
  stored(modulePath: string, version: string): void {
    this.touch(modulePath, version, this.now());
  }

  /**
   * The last recorded access of every version (ms, bucket start), by `<name>`. Older buckets of a version
   * are removed on the way, so the listing stays one key per version.
   */
  async load(): Promise<Map<string, number>> {
    const latest = new Map<string, { bucket: number; key: string }>();
    const stale: string[] = [];
    for await (const key of listAll(this.store, ACCESS)) {
      const slash = key.lastIndexOf('/');
      const bucket = Number(key.slice(slash + 1));
      if (!Number.isSafeInteger(bucket)) continue;
      const name = key.slice(ACCESS.length, slash);
      const seen = latest.get(name);
      if (seen === undefined || seen.bucket < bucket) {
        if (seen !== undefined) stale.push(seen.key);
        latest.set(name, { bucket, key });
      } else stale.push(key);
    }
    for (const key of stale) await this.store.delete(key).catch(() => undefined);
    return new Map([...latest].map(([name, v]) => [name, v.bucket]));
  }
}
