// RFC 6962 proofs over the transparent log (x/mod sumdb/tlog): record inclusion ("audit path") and
// tree consistency, built from stored hashes and checked against signed roots.
import { maxpow2, nodeHash, readHashesExactly, subTreeHash, subTreeIndex } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';

/** Raised when a proof does not prove what it claims. */
export class ProofFailedError extends Error {
  override readonly name = 'ProofFailedError';
  constructor() {
    super('invalid transparency proof');
  }
}

function leafProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo <= n && n < hi)) throw new Error('tlog: bad math in leafProofIndex');
  if (lo + 1 === hi) return need;
  const [k] = maxpow2(hi - lo);
  if (n < lo + k) {
    leafProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    leafProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function leafProof(lo: number, hi: number, n: number, hashes: Hash[]): [Hash[], Hash[]] {
  if (lo + 1 === hi) return [[], hashes];
  const [k] = maxpow2(hi - lo);
  let p: Hash[];
  let th: Hash;
  if (n < lo + k) {
    [p, hashes] = leafProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = leafProof(lo + k, hi, n, hashes);
  }
  return [[...p, th], hashes];
}

/** tlog.ProveRecord: the proof that the tree of size t contains record n. */
export async function proveRecord(t: number, n: number, r: HashReader): Promise<Hash[]> {
  if (t < 0 || n < 0 || n >= t) throw new Error('tlog: invalid inputs in ProveRecord');
  const indexes = leafProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const [p, rest] = leafProof(0, t, n, await readHashesExactly(r, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in ProveRecord');
  return p;
}

function runRecordProof(p: readonly Hash[], lo: number, hi: number, n: number, leaf: Hash): Hash {
  if (lo + 1 === hi) {
    if (p.length !== 0) throw new ProofFailedError();
    return leaf;
  }
  const last = p[p.length - 1];
  if (last === undefined) throw new ProofFailedError();
  const [k] = maxpow2(hi - lo);
  if (n < lo + k) return nodeHash(runRecordProof(p.slice(0, -1), lo, lo + k, n, leaf), last);
  return nodeHash(last, runRecordProof(p.slice(0, -1), lo + k, hi, n, leaf));
}

/** tlog.CheckRecord: throws unless p proves that the tree (t, th) has record n with hash h. */
export function checkRecord(p: readonly Hash[], t: number, th: Hash, n: number, h: Hash): void {
  if (t < 0 || n < 0 || n >= t) throw new Error('tlog: invalid inputs in CheckRecord');
  if (!runRecordProof(p, 0, t, n, h).equals(th)) throw new ProofFailedError();
}

function treeProofIndex(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo < n && n <= hi)) throw new Error('tlog: bad math in treeProofIndex');
  if (n === hi) return lo === 0 ? need : subTreeIndex(lo, hi, need);
  const [k] = maxpow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndex(lo, lo + k, n, need);
    subTreeIndex(lo + k, hi, need);
  } else {
    subTreeIndex(lo, lo + k, need);
    treeProofIndex(lo + k, hi, n, need);
  }
  return need;
}

function treeProof(lo: number, hi: number, n: number, hashes: Hash[]): [Hash[], Hash[]] {
  if (n === hi) {
    if (lo === 0) return [[], hashes];
    const [th, rest] = subTreeHash(lo, hi, hashes);
    return [[th], rest];
  }
  const [k] = maxpow2(hi - lo);
  let p: Hash[];
  let th: Hash;
  if (n <= lo + k) {
    [p, hashes] = treeProof(lo, lo + k, n, hashes);
    [th, hashes] = subTreeHash(lo + k, hi, hashes);
  } else {
    [th, hashes] = subTreeHash(lo, lo + k, hashes);
    [p, hashes] = treeProof(lo + k, hi, n, hashes);
  }
  return [[...p, th], hashes];
}

/** tlog.ProveTree: the proof that the tree of size t extends the tree of size n. */
export async function proveTree(t: number, n: number, r: HashReader): Promise<Hash[]> {
  if (t < 1 || n < 1 || n > t) throw new Error('tlog: invalid inputs in ProveTree');
  const indexes = treeProofIndex(0, t, n, []);
  if (indexes.length === 0) return [];
  const [p, rest] = treeProof(0, t, n, await readHashesExactly(r, indexes));
  if (rest.length !== 0) throw new Error('tlog: bad index math in ProveTree');
  return p;
}

/** Returns the implied [old hash, new hash] of leaves [lo, hi). */
function runTreeProof(p: readonly Hash[], lo: number, hi: number, n: number, old: Hash): [Hash, Hash] {
  if (n === hi) {
    if (lo === 0) {
      if (p.length !== 0) throw new ProofFailedError();
      return [old, old];
    }
    if (p.length !== 1) throw new ProofFailedError();
    const only = p[0] as Hash;
    return [only, only];
  }
  const last = p[p.length - 1];
  if (last === undefined) throw new ProofFailedError();
  const [k] = maxpow2(hi - lo);
  if (n <= lo + k) {
    const [oh, th] = runTreeProof(p.slice(0, -1), lo, lo + k, n, old);
    return [oh, nodeHash(th, last)];
  }
  const [oh, th] = runTreeProof(p.slice(0, -1), lo + k, hi, n, old);
  return [nodeHash(last, oh), nodeHash(last, th)];
}

/** tlog.CheckTree: throws unless p proves that the tree (t, th) extends the tree (n, h). */
export function checkTree(p: readonly Hash[], t: number, th: Hash, n: number, h: Hash): void {
  if (t < 1 || n < 1 || n > t) throw new Error('tlog: invalid inputs in CheckTree');
  const [h2, th2] = runTreeProof(p, 0, t, n, h);
  if (!th2.equals(th) || !h2.equals(h)) throw new ProofFailedError();
}
