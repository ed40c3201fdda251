// A byte-bounded LRU for small immutable values (info, mod, hashes), so hits skip the filesystem.
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

  /** Removes every entry whose key passes `drop` (rare: a refresh announced by a webhook). */
  deleteWhere(drop: (key: string) => boolean): void {
    for (const k of [...this.map.keys()]) if (drop(k)) this.delete(k);
  }

  get bytes(): number {
    return this.total;
  }
}
