// A follower's durable position in a parent's feed, kept in the coordinator (so it survives restarts and is
// shared by every worker or replica that may take the follower over): the stamp up to which every entry is
// done, and which entries at exactly that stamp are done, since the next page starts there (inclusive).
import type { Coordinator } from '../coord/coordinator.js';

export interface Cursor {
  /** undefined: from the beginning of the feed. */
  readonly ts?: bigint;
  /** `<path>@<version>` of the entries stamped exactly `ts` that are done. */
  readonly done: readonly string[];
}

export const START: Cursor = { done: [] };

export const entryKey = (e: { readonly path: string; readonly version: string }): string => `${e.path}@${e.version}`;

/** The cursor after `e` is done, given that everything before it is. */
export function advance(c: Cursor, e: { readonly path: string; readonly version: string; readonly ts: bigint }): Cursor {
  if (c.ts !== undefined && e.ts < c.ts) return c;
  if (c.ts === e.ts) return { ts: e.ts, done: [...c.done, entryKey(e)] };
  return { ts: e.ts, done: [entryKey(e)] };
}

/** Writes are coalesced: while one is running, only the newest cursor waits to be written next. */
export class CursorStore {
  #raw: string | undefined;
  #pending: Cursor | undefined;
  #writing: Promise<void> | undefined;
  #failed: unknown;

  constructor(
    private readonly coord: Coordinator,
    private readonly key: string,
  ) {}

  async load(): Promise<Cursor> {
    this.#raw = await this.coord.get(this.key);
    if (this.#raw === undefined) return START;
    const v = JSON.parse(this.#raw) as { ts?: string; done?: unknown };
    if ((v.ts !== undefined && !/^-?\d+$/.test(v.ts)) || !Array.isArray(v.done)) throw new Error(`malformed feed cursor ${this.key}`);
    return { ts: v.ts === undefined ? undefined : BigInt(v.ts), done: v.done.filter((d): d is string => typeof d === 'string') };
  }

  /** Saves in the background; flush() waits for it. A cursor moved by someone else (a lost lease) is an error there. */
  save(c: Cursor): void {
    this.#pending = c;
    this.#writing ??= this.#drain()
      .catch((err: unknown) => {
        this.#failed = err;
      })
      .finally(() => (this.#writing = undefined));
  }

  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    const err = this.#failed;
    this.#failed = undefined;
    if (err !== undefined) throw err;
  }

  async #drain(): Promise<void> {
    while (this.#pending !== undefined) {
      const c = this.#pending;
      this.#pending = undefined;
      const next = JSON.stringify({ ts: c.ts?.toString(), done: c.done });
      if (!(await this.coord.cas(this.key, this.#raw, next))) throw new Error(`feed cursor ${this.key} was moved by another process`);
      this.#raw = next;
    }
  }
}
