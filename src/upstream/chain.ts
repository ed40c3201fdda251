// The upstream chain with the go command's TryProxies rules (§1.5): after `,` go on only when the
// entry said not-found (404/410); after `|` go on after any error; `off` and `direct` end the list.
// Within a `|` group the healthiest, fastest member is asked first (any error moves on inside the group
// anyway); whether the chain goes on past the group is decided as the go command would decide it.
import { type GmpError, gmpError, toGmpError } from '../errors.js';
import type { RawSource } from './source.js';

export type ChainEntry =
  | { readonly kind: 'source'; readonly source: RawSource; readonly fallBackOnError: boolean }
  | { readonly kind: 'direct'; readonly source?: RawSource }
  | { readonly kind: 'off' };

export interface ChainOptions {
  /** Told when another member of a `|` group comes first (for the log). */
  readonly onPreferred?: (group: string, first: string, why: string) => void;
}

/** Failures that end the chain: ours (disk, internal errors) and a passed fill deadline (no time left). */
const FINAL = new Set<string>([
  'GMP_ERR_INTERNAL',
  // The process is shutting down: the next source (git, say) would only be cut too.
  'GMP_ERR_SHUTTING_DOWN',
  'GMP_ERR_LOCAL_IO',
  'GMP_ERR_LOCAL_RESOURCES',
  'GMP_ERR_STORAGE_FULL',
  'GMP_ERR_STORAGE_UNAVAILABLE',
  'GMP_ERR_FILL_DEADLINE',
]);
const NOT_FOUND_RANK = 0;
const PROXY_RANK = 1;
const DIRECT_RANK = 2;

/** Entries joined by `|`, in the user's order; the last one's separator (and error) decides what follows. */
type Group = readonly ChainEntry[];

export class Chain {
  readonly name: string;
  private readonly groups: Group[] = [];
  private readonly preferred = new Map<Group, ChainEntry>();

  constructor(
    entries: readonly ChainEntry[],
    private readonly options: ChainOptions = {},
  ) {
    if (entries.length === 0) throw new Error('empty upstream chain');
    this.name = entries.map((e) => (e.kind === 'source' ? e.source.name : e.kind)).join(',');
    let group: ChainEntry[] = [];
    entries.forEach((e, i) => {
      group.push(e);
      const joined = e.kind === 'source' && e.fallBackOnError && entries[i + 1]?.kind === 'source';
      if (!joined) {
        this.groups.push(group);
        group = [];
      }
    });
    for (const g of this.groups) if (g.length > 1) for (const e of g) if (e.kind === 'source') e.source.health?.watch();
  }

  /**
   * Runs `attempt` against each entry in turn (fetch and validate, say): an entry's failure, including
   * content that fails validation, falls through as the separator after it says. Reports the most
   * helpful error (direct first, then real proxy errors, then not-found).
   */
  async first<T>(attempt: (s: RawSource) => Promise<T>): Promise<T> {
    let best: GmpError | undefined;
    let bestRank = NOT_FOUND_RANK;
    for (const group of this.groups) {
      let lastErr: GmpError | undefined;
      const last = group[group.length - 1] as ChainEntry;
      for (const entry of this.order(group)) {
        let err: GmpError;
        try {
          if (entry.kind === 'off') throw gmpError('GMP_ERR_UPSTREAM_OFF', 'not in the cache, and fetching is disabled (upstream list ends in "off")');
          if (entry.kind === 'direct' && entry.source === undefined) {
            throw gmpError('GMP_ERR_DIRECT_DISABLED', 'not found: the upstream list reached "direct", and direct mode is not enabled in this gomodproxy');
          }
          return await attempt(entry.source as RawSource);
        } catch (e) {
          err = toGmpError(e);
        }
        // Our own failures are not an upstream's: asking the next one would not help.
        if (FINAL.has(err.code)) throw err;
        if (entry.kind === 'direct') {
          best = err;
          bestRank = DIRECT_RANK;
        } else if (bestRank <= PROXY_RANK && !err.notFound) {
          best = err;
          bestRank = PROXY_RANK;
        } else if (bestRank === NOT_FOUND_RANK) {
          best = err;
        }
        if (entry === last) lastErr = err;
      }
      // Every member failed. The go command would have asked them in the user's order, each error moving
      // on to the next, so the last member as written decides: past `|` always, past `,` only on not-found.
      const fallBack = last.kind === 'source' && last.fallBackOnError;
      if (!fallBack && !(lastErr as GmpError).notFound) break;
    }
    throw best ?? gmpError('GMP_ERR_NOT_FOUND', 'not found');
  }

  /** A `|` group's members by health (closed circuit, then latency); ties keep the user's order. */
  private order(group: Group): Group {
    if (group.length < 2) return group;
    const rank = (e: ChainEntry) => (e.kind === 'source' ? (e.source.health?.rank() ?? 0) : 0);
    const ranked = group.map((e, i) => ({ e, i, r: rank(e) })).sort((a, b) => a.r - b.r || a.i - b.i);
    const ordered = ranked.map((x) => x.e);
    const first = ordered[0] as ChainEntry;
    if (this.preferred.get(group) !== first) {
      const had = this.preferred.has(group);
      this.preferred.set(group, first);
      if (had || first !== group[0]) {
        const why = ordered.map((e) => (e.kind === 'source' ? (e.source.health?.describe() ?? e.source.name) : e.kind)).join(', ');
        this.options.onPreferred?.(group.map((e) => (e.kind === 'source' ? e.source.name : e.kind)).join('|'), nameOf(first), why);
      }
    }
    return ordered;
  }
}

function nameOf(e: ChainEntry): string {
  return e.kind === 'source' ? e.source.name : e.kind;
}
