// Pages of stored hashes of a checksum log kept in a blob store (the records' pages are the shared
// keyed-record pages of src/storage/record-pages.ts): up to 256 hashes per blob, after the position of
// the first. Pages come from other replicas too, so decoding checks the size.
import { PAGE_SIZE, u32 } from '../storage/record-pages.js';
import type { Page } from '../storage/record-pages.js';
import { HASH_SIZE } from './tlog.js';
import type { Hash } from './tlog.js';

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
