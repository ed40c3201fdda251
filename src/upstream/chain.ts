// The upstream chain with the go command's TryProxies rules (§1.5): after `,` go on only when the
// entry said not-found (404/410); after `|` go on after any error; `off` and `direct` end the list.
import { type GmpError, gmpError, toGmpError } from '../errors.js';
import type { RawSource } from './source.js';

export type ChainEntry =
  | { readonly kind: 'source'; readonly source: RawSource; readonly fallBackOnError: boolean }
  | { readonly kind: 'direct'; readonly source?: RawSource }
  | { readonly kind: 'off' };

const OURS = new Set<string>(['GMP_ERR_INTERNAL', 'GMP_ERR_LOCAL_IO', 'GMP_ERR_STORAGE_FULL', 'GMP_ERR_STORAGE_UNAVAILABLE']);
const NOT_FOUND_RANK = 0;
const PROXY_RANK = 1;
const DIRECT_RANK = 2;

export class Chain {
  readonly name: string;

  constructor(private readonly entries: readonly ChainEntry[]) {
    if (entries.length === 0) throw new Error('empty upstream chain');
    this.name = entries.map((e) => (e.kind === 'source' ? e.source.name : e.kind)).join(',');
  }

  /**
   * Runs `attempt` against each entry in turn (fetch and validate, say): an entry's failure, including
   * content that fails validation, falls through as the separator after it says. Reports the most
   * helpful error (direct first, then real proxy errors, then not-found).
   */
  async first<T>(attempt: (s: RawSource) => Promise<T>): Promise<T> {
    let best: GmpError | undefined;
    let bestRank = NOT_FOUND_RANK;
    for (const entry of this.entries) {
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
      // Our own failures (disk, internal errors) are not an upstream's: asking the next one would not help.
      if (OURS.has(err.code)) throw err;
      if (entry.kind === 'direct') {
        best = err;
        bestRank = DIRECT_RANK;
      } else if (bestRank <= PROXY_RANK && !err.notFound) {
        best = err;
        bestRank = PROXY_RANK;
      } else if (bestRank === NOT_FOUND_RANK) {
        best = err;
      }
      const fallBack = entry.kind === 'source' && entry.fallBackOnError;
      if (!fallBack && !err.notFound) break;
    }
    throw best ?? gmpError('GMP_ERR_NOT_FOUND', 'not found');
  }
}
