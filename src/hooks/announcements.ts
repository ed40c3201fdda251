// Refreshes announced to every process that shares the coordinator (the workers of `serve --workers N`,
// replicas): one small value holds the newest announcements under a growing sequence; each process polls
// it and forgets what it remembers about those modules, so no worker keeps serving a list from before a push.
import type { Coordinator } from '../coord/coordinator.js';

const KEY = 'hooks/refreshed';
/** Announcements kept: a process that missed more than this forgets every module's lists at once. */
const KEEP = 200;

interface Board {
  readonly seq: number;
  readonly recent: ReadonlyArray<{ readonly seq: number; readonly module: string }>;
}

const EMPTY: Board = { seq: 0, recent: [] };

function parse(raw: string | undefined): Board {
  if (raw === undefined) return EMPTY;
  const b = JSON.parse(raw) as Board;
  return typeof b.seq === 'number' && Array.isArray(b.recent) ? b : EMPTY;
}

export class Announcements {
  #seen = 0;
  readonly #own = new Set<number>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;

  constructor(
    private readonly coord: Coordinator,
    /** Called for each module another process refreshed, or with 'all' when too many were missed. */
    private readonly onRefreshed: (module: string | 'all') => Promise<void> | void,
  ) {}

  /** Starts from the current sequence (what came before is already in storage) and polls every `intervalMs`. */
  async start(intervalMs: number): Promise<void> {
    this.#seen = parse(await this.coord.get(KEY)).seq;
    this.#timer = setInterval(() => {
      this.#polling ??= this.poll()
        .catch(() => undefined)
        .finally(() => (this.#polling = undefined));
    }, intervalMs);
    this.#timer.unref();
  }

  /** Tells the other processes that these modules were refreshed here. */
  async announce(modules: readonly string[]): Promise<void> {
    if (modules.length === 0) return;
    for (;;) {
      const raw = await this.coord.get(KEY);
      const b = parse(raw);
      const added = modules.map((module, i) => ({ seq: b.seq + i + 1, module }));
      const next: Board = { seq: b.seq + modules.length, recent: [...b.recent, ...added].slice(-KEEP) };
      if (await this.coord.cas(KEY, raw, JSON.stringify(next))) {
        for (const a of added) this.#own.add(a.seq);
        return;
      }
    }
  }

  /** Reads the board once and forgets what others refreshed since the last read. */
  async poll(): Promise<void> {
    const b = parse(await this.coord.get(KEY));
    if (b.seq <= this.#seen) return;
    const oldest = b.recent[0]?.seq ?? b.seq + 1;
    if (oldest > this.#seen + 1) await this.onRefreshed('all');
    else for (const a of b.recent) if (a.seq > this.#seen && !this.#own.has(a.seq)) await this.onRefreshed(a.module);
    for (const s of this.#own) if (s <= b.seq) this.#own.delete(s);
    this.#seen = b.seq;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#polling;
  }
}
