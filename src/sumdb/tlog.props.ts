// Fuzz properties for the transparent log (tlog.ts, tlog-proof.ts, tile.ts; go-module-protocols.md §7.1, §7.3):
// index arithmetic inverts, tile paths round-trip, and proofs for random trees verify while every tampering fails.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { BadTilePathError, hashFromTile, newTiles, parseTilePath, readTileData, tileForIndex, tilePath } from './tile.js';
import type { Tile } from './tile.js';
import { InconsistentTileError, tileHashReader } from './tile-hash-reader.js';
import type { TileReader } from './tile-hash-reader.js';
import { checkRecord, checkTree, ProofFailedError, proveRecord, proveTree } from './tlog-proof.js';
import { splitStoredHashIndex, storedHashCount, storedHashes, storedHashIndex, treeHash } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';

/** Records in the shared log: more than 2^10, so tiles of height ≤ 5 have two levels above the leaves. */
const LOG_SIZE = 1100;

let log: Hash[] | undefined;
/** The stored hashes of a log of distinct records, built once per process (records differ, so no two leaves collide). */
async function storedLog(): Promise<{ hashes: Hash[]; reader: HashReader }> {
  if (log === undefined) {
    const hashes: Hash[] = [];
    const r = reader(hashes);
    for (let i = 0; i < LOG_SIZE; i++) hashes.push(...(await storedHashes(i, Buffer.from(`example.com/m${i} v1.0.0 h1:x\n`), r)));
    log = hashes;
  }
  return { hashes: log, reader: reader(log) };
}

function reader(list: readonly Hash[]): HashReader {
  return {
    readHashes: async (ix) =>
      ix.map((i) => {
        const h = list[i];
        if (h === undefined) throw new Error(`no stored hash ${i}`);
        return h;
      }),
  };
}

const flip = (h: Hash, bit: number): Hash => {
  const out = Buffer.from(h);
  out[(bit >> 3) % 32] = (out[(bit >> 3) % 32] as number) ^ (1 << (bit & 7));
  return out;
};

/** One way to tamper with a proof: flip a bit of one hash, drop one, add one, or swap two. */
type Tamper = { kind: 'flip' | 'drop' | 'add' | 'swap'; i: number; j: number; bit: number };
const tamper: fc.Arbitrary<Tamper> = fc.record({
  kind: fc.constantFrom('flip', 'drop', 'add', 'swap'),
  i: fc.nat(),
  j: fc.nat(),
  bit: fc.nat({ max: 255 }),
}) as fc.Arbitrary<Tamper>;

/** The tampered proof, or undefined when this tampering leaves it unchanged (swapping equal hashes, nothing to flip). */
function tampered(p: readonly Hash[], t: Tamper): Hash[] | undefined {
  const out = [...p];
  if (t.kind === 'add') {
    out.splice(t.i % (p.length + 1), 0, flip(p[0] ?? Buffer.alloc(32), t.bit));
    return out;
  }
  if (p.length === 0) return undefined;
  const i = t.i % p.length;
  if (t.kind === 'flip') out[i] = flip(p[i] as Hash, t.bit);
  else if (t.kind === 'drop') out.splice(i, 1);
  else {
    const j = t.j % p.length;
    if ((p[i] as Hash).equals(p[j] as Hash)) return undefined;
    [out[i], out[j]] = [p[j] as Hash, p[i] as Hash];
  }
  return out;
}

function assertFails(fn: () => void, label: string): void {
  assert.throws(fn, ProofFailedError, label);
}

const treeSize = fc.integer({ min: 1, max: LOG_SIZE });

export const tlogProperties = [
  fuzz('storedHashIndex and splitStoredHashIndex invert each other, and storedHashCount(n) is where record n starts', 1000, () =>
    fc.property(fc.nat({ max: 20 }), fc.nat({ max: 2 ** 28 }), fc.nat({ max: 2 ** 40 }), (level, n, count) => {
      assert.deepEqual(splitStoredHashIndex(storedHashIndex(level, n)), [level, n]);
      assert.equal(storedHashCount(count), storedHashIndex(0, count));
    }),
  ),

  fuzz('tile paths round-trip for every height, level (or data), index and width (§7.1)', 1000, () =>
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: -1, max: 63 }), fc.maxSafeNat(), fc.nat(), (h, l, n, w) => {
      const t: Tile = { h, l, n, w: (w % 2 ** h) + 1 };
      assert.deepEqual(parseTilePath(tilePath(t)), t);
    }),
  ),

  fuzz('parseTilePath throws only BadTilePathError, and whatever it accepts formats back to the same path', 1500, () =>
    fc.property(
      fc.oneof(
        stringOf(['tile/', '8/', '0/', 'data/', 'x', '0', '1', '9', '/', '.p/', '-', '+', '00', ' '], 10),
        fc
          .tuple(fc.integer({ min: -1, max: 31 }), fc.nat(), fc.maxSafeNat(), fc.nat())
          .map(([h, l, n, w]) => tilePath({ h: Math.max(h, 1), l, n, w: w + 1 }).replace(/^tile\/[0-9]+/, `tile/${h}`)),
      ),
      (s) => {
        let t: Tile;
        try {
          t = parseTilePath(s);
        } catch (err) {
          assert.ok(err instanceof BadTilePathError, String(err));
          return;
        }
        assert.equal(tilePath(t), s);
      },
    ),
  ),

  fuzz('a record proof for a random tree and leaf verifies, and any tampering with proof, leaf, index or root fails', 200, () =>
    fc.asyncProperty(treeSize, fc.nat(), fc.nat(), tamper, fc.constantFrom('proof', 'leaf', 'index', 'root'), async (t, pick, other, how, what) => {
      const { hashes, reader: r } = await storedLog();
      const n = pick % t;
      const root = await treeHash(t, r);
      const leaf = hashes[storedHashIndex(0, n)] as Hash;
      const proof = await proveRecord(t, n, r);
      checkRecord(proof, t, root, n, leaf);
      const label = `tree ${t}, record ${n}, ${what} ${JSON.stringify(how)}`;
      if (what === 'proof') {
        const bad = tampered(proof, how);
        if (bad !== undefined) assertFails(() => checkRecord(bad, t, root, n, leaf), label);
      } else if (what === 'leaf') assertFails(() => checkRecord(proof, t, root, n, flip(leaf, how.bit)), label);
      else if (what === 'root') assertFails(() => checkRecord(proof, t, flip(root, how.bit), n, leaf), label);
      else if (t > 1) assertFails(() => checkRecord(proof, t, root, (n + 1 + (other % (t - 1))) % t, leaf), label);
    }),
  ),

  fuzz('a consistency proof between two random tree sizes verifies, and any tampering with proof or roots fails', 200, () =>
    fc.asyncProperty(treeSize, fc.nat(), tamper, fc.constantFrom('proof', 'old', 'new'), async (t, pick, how, what) => {
      const { reader: r } = await storedLog();
      const n = (pick % t) + 1;
      const [oldRoot, newRoot] = [await treeHash(n, r), await treeHash(t, r)];
      const proof = await proveTree(t, n, r);
      checkTree(proof, t, newRoot, n, oldRoot);
      const label = `trees ${n} ⊂ ${t}, ${what} ${JSON.stringify(how)}`;
      if (what === 'proof') {
        const bad = tampered(proof, how);
        if (bad !== undefined) assertFails(() => checkTree(bad, t, newRoot, n, oldRoot), label);
      } else if (what === 'old') assertFails(() => checkTree(proof, t, newRoot, n, flip(oldRoot, how.bit)), label);
      else assertFails(() => checkTree(proof, t, flip(newRoot, how.bit), n, oldRoot), label);
    }),
  ),

  fuzz('every stored hash is read back from the tile that holds it, at every tile height', 300, () =>
    fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.nat(), async (h, pick) => {
      const { hashes, reader: r } = await storedLog();
      const index = pick % hashes.length;
      const t = tileForIndex(h, index);
      assert.ok(hashFromTile(t, await readTileData(t, r), index).equals(hashes[index] as Hash), `${tilePath(t)} index ${index}`);
    }),
  ),

  fuzz('the tiles newTiles lists for a growth hold every hash that growth stores', 300, () =>
    fc.property(fc.integer({ min: 1, max: 6 }), fc.nat({ max: 3000 }), fc.nat({ max: 300 }), (h, oldN, grow) => {
      const newN = oldN + grow;
      const listed = newTiles(h, oldN, newN);
      for (let i = storedHashCount(oldN); i < storedHashCount(newN); i++) {
        // The narrowest tile holding hash i, or any wider one of the same coordinates.
        const t = tileForIndex(h, i);
        assert.ok(
          listed.some((x) => x.l === t.l && x.n === t.n && x.w >= t.w),
          `growth ${oldN}→${newN} stores hash ${i} in ${tilePath(t)}, not listed`,
        );
      }
    }),
  ),

  fuzz('hashes read through tiles are trusted only when tied to the signed root: a bit flipped in any tile is caught (§7.4)', 200, () =>
    fc.asyncProperty(
      fc.integer({ min: 1, max: 5 }),
      treeSize,
      fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
      fc.option(fc.tuple(fc.nat(), fc.nat())),
      async (h, t, picks, flipAt) => {
        const { hashes, reader: r } = await storedLog();
        const tree = { n: t, hash: await treeHash(t, r) };
        const indexes = picks.map((p) => p % storedHashIndex(0, t));
        const saved: string[] = [];
        let tampered = '';
        const tiles: TileReader = {
          height: () => h,
          readTiles: async (list) => {
            const data = await Promise.all(list.map((x) => readTileData(x, r)));
            if (flipAt !== null) {
              const [which, byte] = flipAt;
              const i = which % data.length;
              const d = data[i] as Buffer;
              d[byte % d.length] = (d[byte % d.length] as number) ^ 1;
              tampered = tilePath(list[i] as Tile);
            }
            return data;
          },
          saveTiles: async (list) => {
            saved.push(...list.map(tilePath));
          },
        };
        const read = tileHashReader(tree, tiles).readHashes(indexes);
        if (flipAt === null) {
          assert.deepEqual(
            await read,
            indexes.map((i) => hashes[i]),
          );
          assert.ok(saved.length > 0);
        } else {
          const err = await read.then(
            () => undefined,
            (e: unknown) => e,
          );
          assert.ok(
            err instanceof InconsistentTileError,
            `tree ${t}, h ${h}, indexes ${indexes}: a bit flipped in ${tampered} went unnoticed (${String(err)})`,
          );
          assert.deepEqual(saved, [], 'nothing unverified is saved');
        }
      },
    ),
  ),
];
