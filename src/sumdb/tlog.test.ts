// Tests for log hashing and proofs against the digest's §9 vectors and vectors from Go's x/mod sumdb/tlog.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHash, nodeHash, parseHash, recordHash, splitStoredHashIndex, storedHashCount, storedHashes, storedHashIndex, treeHash } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';
import { checkRecord, checkTree, ProofFailedError, proveRecord, proveTree } from './tlog-proof.js';
import { vectors } from './testdata/vectors.js';

const V = vectors.tlog;
const goHashes = V.storedHashes.map(parseHash);
const reader = (list: readonly Hash[]): HashReader => ({
  readHashes: async (ix) =>
    ix.map((i) => {
      const h = list[i];
      if (h === undefined) throw new Error(`no hash ${i}`);
      return h;
    }),
});

describe('record and tree hashes', () => {
  test('RecordHash("a\\n") is the digest §9 value', () => {
    assert.equal(formatHash(recordHash('a\n')), V.recordHashA);
    assert.equal(formatHash(recordHash(Buffer.from('a\n'))), 'tqVntGZWKmqVSvYVe4mPnogOQ1IwStwpaRVfDk3jHPA=');
  });

  test('the a/b/c tree has the digest §9 roots at sizes 2 and 3', async () => {
    const list: Hash[] = [];
    for (const [i, rec] of ['a\n', 'b\n', 'c\n'].entries()) list.push(...(await storedHashes(i, Buffer.from(rec), reader(list))));
    assert.equal(formatHash(await treeHash(2, reader(list))), 'm3LFXpeNd4t1tMjR8R2UnLOxvr8SE2zKc+/hIk0LdsY=');
    assert.equal(formatHash(await treeHash(3, reader(list))), 'XJVgyeqZ3X9TFi1DypBArCfAZ7Mw9+RuHRSxcezTLPE=');
    assert.deepEqual(nodeHash(list[0] as Hash, list[1] as Hash), list[2]);
  });

  test('appending 70 records stores exactly the hashes Go stores', async () => {
    const list: Hash[] = [];
    for (const [i, rec] of V.records.entries()) {
      assert.equal(list.length, storedHashIndex(0, i));
      list.push(...(await storedHashes(i, Buffer.from(rec), reader(list))));
    }
    assert.deepEqual(list.map(formatHash), V.storedHashes);
    assert.equal(list.length, storedHashCount(V.records.length));
  });

  test('every tree size from 0 to 70 has Go’s root, and the empty tree is all zeros', async () => {
    for (const [n, root] of V.roots.entries()) assert.equal(formatHash(await treeHash(n, reader(goHashes))), root, `size ${n}`);
    assert.deepEqual(await treeHash(0, reader([])), Buffer.alloc(32));
  });

  test('a hash must be standard padded base64 of 32 bytes', () => {
    assert.throws(() => parseHash('tqVntGZWKmqVSvYVe4mPnogOQ1IwStwpaRVfDk3jHPA'), /malformed hash/);
    assert.throws(() => parseHash('AAAA'), /malformed hash/);
  });
});

describe('stored hash order', () => {
  test('StoredHashIndex and its inverse agree with Go, up to 2^40 records', () => {
    for (const [level, n, index, l2, n2] of V.storedHashIndex) {
      if (!Number.isSafeInteger(index)) {
        assert.throws(() => storedHashIndex(level, n), RangeError);
        continue;
      }
      assert.equal(storedHashIndex(level, n), index, `(${level}, ${n})`);
      assert.deepEqual(splitStoredHashIndex(index), [l2, n2], `split ${index}`);
    }
    assert.equal(storedHashIndex(0, 1000), 1994);
  });

  test('StoredHashCount agrees with Go', () => {
    for (const [n, count] of V.storedHashCount) assert.equal(storedHashCount(n), count, `n=${n}`);
  });
});

describe('proofs', () => {
  test('record proofs are Go’s and check against the signed root', async () => {
    for (const { t, n, proof } of V.recordProofs) {
      const p = await proveRecord(t, n, reader(goHashes));
      assert.deepEqual(p.map(formatHash), proof, `t=${t} n=${n}`);
      checkRecord(p, t, parseHash(V.roots[t] ?? ''), n, recordHash(V.records[n] ?? ''));
    }
  });

  test('a record proof fails for another record, another root or a shortened path', async () => {
    const p = await proveRecord(13, 7, reader(goHashes));
    const root = parseHash(V.roots[13] ?? '');
    assert.throws(() => checkRecord(p, 13, root, 7, recordHash('record 8\n')), ProofFailedError);
    assert.throws(() => checkRecord(p, 13, parseHash(V.roots[12] ?? ''), 7, recordHash('record 7\n')), ProofFailedError);
    assert.throws(() => checkRecord(p.slice(1), 13, root, 7, recordHash('record 7\n')), ProofFailedError);
    assert.throws(() => checkRecord(p, 13, root, 13, recordHash('record 7\n')), /invalid inputs/);
  });

  test('tree proofs are Go’s and check old ⊂ new', async () => {
    for (const { t, n, proof } of V.treeProofs) {
      const p = await proveTree(t, n, reader(goHashes));
      assert.deepEqual(p.map(formatHash), proof, `t=${t} n=${n}`);
      checkTree(p, t, parseHash(V.roots[t] ?? ''), n, parseHash(V.roots[n] ?? ''));
    }
  });

  test('a tree proof fails against a root that is not a prefix', async () => {
    const p = await proveTree(70, 13, reader(goHashes));
    assert.throws(() => checkTree(p, 70, parseHash(V.roots[70] ?? ''), 13, parseHash(V.roots[12] ?? '')), ProofFailedError);
    assert.throws(() => checkTree([...p, p[0] as Hash], 70, parseHash(V.roots[70] ?? ''), 13, parseHash(V.roots[13] ?? '')), ProofFailedError);
  });
});
