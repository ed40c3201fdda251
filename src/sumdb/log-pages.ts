// Pages of a checksum log kept in a blob store: up to 256 consecutive records (with their keys) or stored
// hashes per blob, each beginning with the position of its first entry. A page may hold entries past the
// committed size (an append that never committed); readers use only committed positions. Pages come from
// other replicas too, so decoding checks every length.
import type { LogRecord } from './log-storage.js';
import { HASH_SIZE } from './tlog.js';
import type { Hash } from './tlog.js';

export const PAGE_SIZE = 256;
const MAX_KEY = 4096;
const MAX_TEXT = 1 << 20;

export interface Page<T> {
  readonly first: number;
  readonly entries: T[];
}

export const pageOf = (position: number): number => Math.floor(position / PAGE_SIZE);

export function encodeRecords(first: number, records: readonly LogRecord[]): Buffer {
  const parts: Buffer[] = [u32(first)];
  for (const r of records) {
    const key = Buffer.from(r.key, 'utf8');
    parts.push(u32(key.length), key, u32(r.text.length), r.text);
  }
  return Buffer.concat(parts);
}

export function decodeRecords(buf: Buffer): Page<LogRecord> {
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > buf.length) throw new Error('checksum log page is truncated');
    const b = buf.subarray(at, at + n);
    at += n;
    return b;
  };
  const first = take(4).readUInt32BE(0);
  const entries: LogRecord[] = [];
  while (at < buf.length && entries.length < PAGE_SIZE) {
    const kl = take(4).readUInt32BE(0);
    if (kl > MAX_KEY) throw new Error('checksum log page has an oversized key');
    const key = take(kl).toString('utf8');
    const tl = take(4).readUInt32BE(0);
    if (tl > MAX_TEXT) throw new Error('checksum log page has an oversized record');
    entries.push({ key, text: Buffer.from(take(tl)) });
  }
  if (at !== buf.length) throw new Error('checksum log page has trailing bytes');
  return { first, entries };
}

export function encodeHashes(first: number, hashes: readonly Hash[]): Buffer {
  return Buffer.concat([u32(first), ...hashes]);
}

export function decodeHashes(buf: Buffer): Page<Hash> {
  if (buf.length < 4 || (buf.length - 4) % HASH_SIZE !== 0 || (buf.length - 4) / HASH_SIZE > PAGE_SIZE)
    throw new Error('checksum log hash page has a bad size');
  const first = buf.readUInt32BE(0);
  const entries: Hash[] = [];
  for (let at = 4; at < buf.length; at += HASH_SIZE) entries.push(Buffer.from(buf.subarray(at, at + HASH_SIZE)));
  return { first, entries };
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
