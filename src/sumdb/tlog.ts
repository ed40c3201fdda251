// Transparent-log hashing (§7.3, x/mod sumdb/tlog): record and node hashes, the dense stored-hash order,
// the hashes a server appends per record, and tree roots. Arithmetic avoids JS's 32-bit shifts.
import { createHash } from 'node:crypto';
import { decodeStdBase64 } from './encoding.js';

/** A 32-byte SHA-256 hash. */
export type Hash = Buffer;
export const HASH_SIZE = 32;

/** Reads stored hashes by stored-hash index; MUST return one hash per index or reject. */
export interface HashReader {
  readHashes(indexes: readonly number[]): Promise<Hash[]>;
}

/** The root of the empty tree in Go 1.19's x/mod (newer x/mod uses SHA-256 of nothing instead). */
export const EMPTY_TREE_HASH: Hash = Buffer.alloc(HASH_SIZE);

export const pow2 = (k: number): number => 2 ** k;
/** n >> k and n << k for non-negative n up to 2^53, where JS bit operators would wrap at 2^31. */
export const shr = (n: number, k: number): number => Math.floor(n / 2 ** k);
export const shl = (n: number, k: number): number => n * 2 ** k;

export function trailingZeros(n: number): number {
  let z = 0;
  for (let x = n; x > 0 && x % 2 === 0; x /= 2) z++;
  return z;
}

/** The largest power of two k < n (k = 1 for n ≤ 2), and log2 k. */
export function maxpow2(n: number): [number, number] {
  let l = 0;
  while (pow2(l + 1) < n) l++;
  return [pow2(l), l];
}

export function recordHash(data: Uint8Array | string): Hash {
  return createHash('sha256').update(Buffer.of(0)).update(data).digest();
}

export function nodeHash(left: Hash, right: Hash): Hash {
  return createHash('sha256').update(Buffer.of(1)).update(left).update(right).digest();
}

/** tlog.ParseHash: standard base64 of exactly 32 bytes. */
export function parseHash(s: string): Hash {
  const h = decodeStdBase64(s);
  if (h === null || h.length !== HASH_SIZE) throw new Error('malformed hash');
  return h;
}

export function formatHash(h: Hash): string {
  return h.toString('base64');
}

/** Position of the hash (level, n) in the server's append-only hash list. */
export function storedHashIndex(level: number, n: number): number {
  for (let l = level; l > 0; l--) n = 2 * n + 1;
  let i = 0;
  for (; n > 0; n = shr(n, 1)) i += n;
  return safe(i + level);
}

/** Go uses int64; JS numbers are exact only to 2^53, which no real log comes near, so larger is an error. */
function safe(n: number): number {
  if (!Number.isSafeInteger(n)) throw new RangeError(`tlog: index ${n} is beyond 2^53`);
  return n;
}

/** The inverse of storedHashIndex: [level, n]. */
export function splitStoredHashIndex(index: number): [number, number] {
  safe(index);
  let n = shr(index, 1);
  let indexN = storedHashIndex(0, n);
  if (indexN > index) throw new Error('tlog: bad math in splitStoredHashIndex');
  for (;;) {
    // Record n+1 adds its leaf plus one hash per subtree it completes.
    const x = indexN + 1 + trailingZeros(n + 1);
    if (x > index) break;
    n++;
    indexN = x;
  }
  const level = index - indexN;
  return [level, shr(n, level)];
}

/** How many stored hashes a log of n records has. */
export function storedHashCount(n: number): number {
  if (n === 0) return 0;
  let count = storedHashIndex(0, n - 1) + 1;
  for (let i = n - 1; i % 2 === 1; i = shr(i, 1)) count++;
  return count;
}

/** Reads and checks that the reader returned one hash per index. */
export async function readHashesExactly(r: HashReader, indexes: readonly number[]): Promise<Hash[]> {
  const hashes = await r.readHashes(indexes);
  if (hashes.length !== indexes.length) {
    throw new Error(`tlog: ReadHashes(${indexes.length} indexes) = ${hashes.length} hashes`);
  }
  return hashes;
}

/** The hashes to append, starting at storedHashIndex(0, n), when record n has hash h. */
export async function storedHashesForRecordHash(n: number, h: Hash, r: HashReader): Promise<Hash[]> {
  const m = trailingZeros(n + 1);
  const indexes: number[] = new Array<number>(m);
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedHashIndex(i, shr(n, i) - 1);
  const old = await readHashesExactly(r, indexes);
  const hashes = [h];
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i] as Hash, h);
    hashes.push(h);
  }
  return hashes;
}

export function storedHashes(n: number, data: Uint8Array, r: HashReader): Promise<Hash[]> {
  return storedHashesForRecordHash(n, recordHash(data), r);
}

/** Stored indexes of the complete subtrees that make up leaves [lo, hi), largest first. */
export function subTreeIndex(lo: number, hi: number, need: number[] = []): number[] {
  while (lo < hi) {
    const [k, level] = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeIndex');
    need.push(storedHashIndex(level, shr(lo, level)));
    lo += k;
  }
  return need;
}

/** Folds the subtree hashes for [lo, hi) from the right; returns the root and the unused hashes. */
export function subTreeHash(lo: number, hi: number, hashes: readonly Hash[]): [Hash, Hash[]] {
  let numTree = 0;
  while (lo < hi) {
    const [k] = maxpow2(hi - lo + 1);
    if (lo % k !== 0) throw new Error('tlog: bad math in subTreeHash');
    numTree++;
    lo += k;
  }
  if (hashes.length < numTree || numTree === 0) throw new Error('tlog: bad index math in subTreeHash');
  let h = hashes[numTree - 1] as Hash;
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hashes[i] as Hash, h);
  return [h, hashes.slice(numTree)];
}

/** tlog.TreeHash: the root of the first n records. */
export async function treeHash(n: number, r: HashReader): Promise<Hash> {
  if (n === 0) return EMPTY_TREE_HASH;
  const indexes = subTreeIndex(0, n);
  const [h, rest] = subTreeHash(0, n, await readHashesExactly(r, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in TreeHash');
  return h;
}
