// How many bytes the module cache holds, and its zips with their sizes and times. Stored artifacts never
// change, so a size learned once is kept in memory: after the first scan, a scan lists keys and asks only
// about new ones.
import { unescapePath, unescapeVersion } from '../protocol/escape.js';
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';

export interface StoredZip {
  readonly key: string;
  readonly path: string;
  readonly version: string;
  readonly size: number;
  /** When it was stored. */
  readonly mtimeMs: number;
}

export interface Usage {
  readonly bytes: number;
  readonly zips: StoredZip[];
}

const ZIP = /^(.+)\/@v\/([^/]+)\.zip$/;

export class StoreUsage {
  readonly #known = new Map<string, { size: number; mtimeMs: number }>();

  constructor(private readonly store: BlobStore) {}

  async scan(signal?: AbortSignal): Promise<Usage> {
    const seen = new Set<string>();
    let bytes = 0;
    const zips: StoredZip[] = [];
    for await (const key of listAll(this.store, '')) {
      signal?.throwIfAborted();
      seen.add(key);
      let info = this.#known.get(key);
      if (info === undefined) {
        const st = await this.store.stat(key);
        if (st === undefined) continue;
        info = { size: st.size, mtimeMs: st.mtimeMs };
        this.#known.set(key, info);
      }
      bytes += info.size;
      const m = ZIP.exec(key);
      if (m === null) continue;
      try {
        zips.push({ key, path: unescapePath(m[1] as string), version: unescapeVersion(m[2] as string), size: info.size, mtimeMs: info.mtimeMs });
      } catch {
        // Not a module zip (an operator's file): counted, never evicted.
      }
    }
    for (const key of this.#known.keys()) if (!seen.has(key)) this.#known.delete(key);
    return { bytes, zips };
  }

  /** A key this process removed. */
  forget(key: string): void {
    this.#known.delete(key);
  }
}
