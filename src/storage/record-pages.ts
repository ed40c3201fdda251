// Pages of an append-only log kept in a blob store: up to 256 consecutive keyed records per blob, the page
// beginning with the position of its first entry. A page may hold entries past the committed size (an append
// that never committed); readers use only committed positions. Pages come from other replicas too, so
// decoding checks every length.

export const PAGE_SIZE = 256;
const MAX_KEY = 4096;
const MAX_TEXT = 1 << 20;

/** One log entry: a key (what it is about) and its bytes. */
export interface KeyedRecord {
  readonly key: string;
  readonly text: Buffer;
}

export interface Page<T> {
  readonly first: number;
  readonly entries: T[];
}

export const pageOf = (position: number): number => Math.floor(position / PAGE_SIZE);

export function encodeRecords(first: number, records: readonly KeyedRecord[]): Buffer {
  const parts: Buffer[] = [u32(first)];
  for (const r of records) {
    const key = Buffer.from(r.key, 'utf8');
    parts.push(u32(key.length), key, u32(r.text.length), r.text);
  }
  return Buffer.concat(parts);
}

export function decodeRecords(buf: Buffer): Page<KeyedRecord> {
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > buf.length) throw new Error('log page is truncated');
    const b = buf.subarray(at, at + n);
    at += n;
    return b;
  };
  const first = take(4).readUInt32BE(0);
  const entries: KeyedRecord[] = [];
  while (at < buf.length && entries.length < PAGE_SIZE) {
    const kl = take(4).readUInt32BE(0);
    if (kl > MAX_KEY) throw new Error('log page has an oversized key');
    const key = take(kl).toString('utf8');
    const tl = take(4).readUInt32BE(0);
    if (tl > MAX_TEXT) throw new Error('log page has an oversized record');
    entries.push({ key, text: Buffer.from(take(tl)) });
  }
  if (at !== buf.length) throw new Error('log page has trailing bytes');
  return { first, entries };
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
