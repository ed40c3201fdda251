// Per-hit shortcuts for the module cache: storage keys and metric children computed once, not per request.
import { type Metrics, type Tally, tally } from '../metrics.js';
import type { Kind } from '../fill/types.js';
import { keyOf } from '../fill/types.js';

const MAX_KEYS = 20_000;

/** Storage keys by (kind, module, version): escaping re-validates the module path, too slow per hit. */
export class KeyMemo {
  private readonly keys = new Map<string, string>();

  key(modulePath: string, version: string, kind: Kind): string {
    const memo = `${kind} ${modulePath} ${version}`;
    let k = this.keys.get(memo);
    if (k === undefined) {
      k = keyOf({ kind, module: modulePath, version });
      // Forget everything at once when full: cheaper than LRU bookkeeping on every hit.
      if (this.keys.size >= MAX_KEYS) this.keys.clear();
      this.keys.set(memo, k);
    }
    return k;
  }
}

/** Cache lookup counters; each label set's tally (metrics.ts) is looked up once, and a hit adds to a number. */
export class LookupCounters {
  private readonly children = new Map<string, Tally>();

  constructor(private readonly metrics?: Metrics) {}

  count(endpoint: string, result: string): void {
    if (this.metrics === undefined) return;
    const k = `${endpoint} ${result}`;
    let c = this.children.get(k);
    if (c === undefined) {
      c = tally(this.metrics.cache, { endpoint, result });
      this.children.set(k, c);
    }
    c.inc();
  }
}
