// The index feed's intent markers: before a process stores a version's zip it names the version in a marker
// under `intents/`, so that a process killed right after storing it (before 'filled' was heard, or before the
// batch marker that follows it was written) still leaves the version for the feed's writer, which publishes it
// once its zip is in storage. Zips stored at the same moment share one marker: while one marker is being
// written, the versions that arrive wait for the next one (at most one write per zip, fewer under load).
import type { Logger } from 'pino';
import type { BlobStore } from '../storage/blob-store.js';
import type { LocalFailures } from '../storage/local-failures.js';
import { INTENT_MARKERS, batchMarkerKey } from '../storage/keys.js';
import type { FeedEntry } from './index-log.js';
import { formatBatch } from './batch.js';

/** An intent whose zip is still not stored this long after the writer first read it is dropped: its fill failed or died before the zip. */
export const INTENT_DROP_MS = 10 * 60_000;
/**
 * A zip stored this long after its intent is also marked after it was stored, as a batch marker: the writer
 * may have dropped the intent meanwhile (a zip upload slower than INTENT_DROP_MS).
 */
export const INTENT_LATE_MS = INTENT_DROP_MS / 2;
/** How often the writer looks again for the zips of an intent it found missing, once the intent is no longer young (until then, at every tick). */
export const INTENT_RECHECK_MS = 1000;
/** Versions whose 'filled' never came (their zip was not stored) are forgotten past this many. */
const INTENDED_MAX = 10_000;

interface Group {
  readonly entries: FeedEntry[];
  readonly written: Promise<boolean>;
  readonly settle: (ok: boolean) => void;
}

export interface IntentDeps {
  readonly markers: BlobStore;
  readonly logger: Logger;
  readonly redact: (modulePath: string) => string;
  readonly failures?: LocalFailures;
  /** Told of each marker written (the writer knows what its own markers say). */
  readonly written?: (key: string, entries: readonly FeedEntry[]) => void;
}

export class IntentWriter {
  #next: Group | undefined;
  #writing: Promise<void> | undefined;
  /** Versions of this process named by a durable intent and not yet announced stored: when the intent was asked for. */
  readonly #intended = new Map<string, number>();

  constructor(private readonly deps: IntentDeps) {}

  /** Resolves once a marker naming the version is durable (or could not be written: logged, never thrown). */
  async intend(entry: FeedEntry): Promise<void> {
    const asked = Date.now();
    if (this.#next === undefined) {
      let settle: (ok: boolean) => void = () => undefined;
      const written = new Promise<boolean>((resolve) => (settle = resolve));
      this.#next = { entries: [], written, settle };
    }
    const group = this.#next;
    group.entries.push(entry);
    if (this.#writing === undefined) this.#write();
    if (!(await group.written)) return;
    if (this.#intended.size >= INTENDED_MAX) this.#intended.clear();
    this.#intended.set(`${entry.path}@${entry.version}`, asked);
  }

  /**
   * Whether a version just stored here is covered by its intent: false when it had none (or it failed), or when
   * the zip came so late that the writer may have dropped the intent; either way the caller marks it again.
   */
  covered(path: string, version: string): boolean {
    const key = `${path}@${version}`;
    const asked = this.#intended.get(key);
    if (asked === undefined) return false;
    this.#intended.delete(key);
    return Date.now() - asked < INTENT_LATE_MS;
  }

  /** Waits for the markers being written. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  #write(): void {
    const group = this.#next;
    if (group === undefined) return;
    this.#next = undefined;
    const first = group.entries[0] as FeedEntry;
    const key = batchMarkerKey(first.ts, INTENT_MARKERS);
    this.#writing = this.deps.markers
      .put(key, formatBatch(group.entries))
      .then(
        () => {
          this.deps.written?.(key, group.entries);
          group.settle(true);
        },
        (err: unknown) => {
          // The version is marked after its zip is stored instead, as before intents.
          const at = `${this.deps.redact(first.path)}@${first.version}`;
          if (this.deps.failures?.failed(err, { versions: group.entries.length, first: at }) !== true)
            this.deps.logger.error({ err, versions: group.entries.length, first: at }, 'could not mark versions about to be stored for the index feed');
          group.settle(false);
        },
      )
      .finally(() => {
        this.#writing = undefined;
        this.#write();
      });
  }
}
