// A byte-bounded LRU for small immutable values (info, mod, hashes; checksum-database tiles and records), so
// hits skip the filesystem.
export class ByteLRU<V extends { readonly bytes: number }> {
  private readonly map = new Map<string, V>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, value: V): void {
    if (value.bytes > this.maxBytes / 8) return;
    this.delete(key);
    this.map.set(key, value);
    this.total += value.bytes;
    for (const [k, v] of this.map) {
      if (this.total <= this.maxBytes) break;
      this.map.delete(k);
      this.total -= v.bytes;
    }
  }

  delete(key: string): void {
    const old = this.map.get(key);
    if (old === undefined) return;
    this.map.delete(key);
    this.total -= old.bytes;
  }

  clear(): void {
    this.map.clear();
    this.total = 0;
  }

  /** Removes every entry whose key passes `drop` (rare: a refresh announced by a webhook). */
  deleteWhere(drop: (key: string) => boolean): void {
    for (const k of [...this.map.keys()]) if (drop(k)) this.delete(k);
  }

  get bytes(): number {
    return this.total;
  }
}

/**
 * What an entry costs besides its bytes: its key, its objects, its hash slot and the allocation behind its
 * Buffer. Measured at 0.8–1.2 KiB for a 50-byte `.info` (heap plus RSS growth of 100,000 entries); an
 * estimate well below that let `--memory-cache 64MiB` hold several hundred MiB (a soak's RSS kept growing).
 */
export const ENTRY_OVERHEAD = 1024;

/**
 * `b`, or a copy of it with memory of its own. Node hands out Buffers under 4 KiB as slices of a shared
 * 8 KiB slab: an entry kept for hours that holds such a slice keeps the whole slab (measured: 2.1 KiB of
 * external memory per 50-byte entry, against 0.1 KiB for a copy).
 */
export function ownBytes(b: Buffer): Buffer {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength) return b;
  const own = Buffer.allocUnsafeSlow(b.length);
  b.copy(own);
  return own;
}

/** Bytes kept in a ByteLRU: a copy of their own, counted at `weight` times their size plus what an entry costs. */
export interface KeptBytes {
  readonly bytes: number;
  readonly data: Buffer;
}

export const keptBytes = (data: Buffer, weight = 1): KeptBytes => ({ bytes: weight * data.length + ENTRY_OVERHEAD, data: ownBytes(data) });
