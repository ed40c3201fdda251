// The upstream chain with the go command's TryProxies rules (§1.5): after `,` go on only when the
// entry said not-found (404/410); after `|` go on after any error; `off` and `direct` end the list.
import { type GmpError, gmpError, toGmpError } from '../errors.js';
import type { Info, Source, StageFn, ZipArtifact } from './source.js';

export type ChainEntry =
  | { readonly kind: 'source'; readonly source: Source; readonly fallBackOnError: boolean }
  | { readonly kind: 'direct'; readonly source?: Source }
  | { readonly kind: 'off' };

const NOT_FOUND_RANK = 0;
const PROXY_RANK = 1;
const DIRECT_RANK = 2;

export class Chain implements Source {
  readonly name: string;

  constructor(private readonly entries: readonly ChainEntry[]) {
    if (entries.length === 0) throw new Error('empty upstream chain');
    this.name = entries.map((e) => (e.kind === 'source' ? e.source.name : e.kind)).join(',');
  }

  list(modulePath: string): Promise<string[]> {
    return this.try((s) => s.list(modulePath));
  }

  info(modulePath: string, query: string): Promise<Info> {
    return this.try((s) => s.info(modulePath, query));
  }

  latest(modulePath: string): Promise<Info> {
    return this.try((s) => s.latest(modulePath));
  }

  mod(modulePath: string, version: string): Promise<Buffer> {
    return this.try((s) => s.mod(modulePath, version));
  }

  zip(modulePath: string, version: string, stage: StageFn): Promise<ZipArtifact> {
    return this.try((s) => s.zip(modulePath, version, stage));
  }

  /** Walks the entries; reports the most helpful error (direct first, then real proxy errors, then not-found). */
  private async try<T>(call: (s: Source) => Promise<T>): Promise<T> {
    let best: GmpError | undefined;
    let bestRank = NOT_FOUND_RANK;
    for (const entry of this.entries) {
      let err: GmpError;
      try {
        if (entry.kind === 'off') throw gmpError('GMP_ERR_UPSTREAM_OFF', 'not in the cache, and fetching is disabled (upstream list ends in "off")');
        if (entry.kind === 'direct' && entry.source === undefined) {
          throw gmpError('GMP_ERR_DIRECT_DISABLED', 'not found: the upstream list reached "direct", and direct mode is not enabled in this gomodproxy');
        }
        return await call(entry.source as Source);
      } catch (e) {
        err = toGmpError(e);
      }
      if (err.code === 'GMP_ERR_INTERNAL') throw err;
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
