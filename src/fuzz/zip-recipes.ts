// Module zips for the fuzz properties: valid file trees for a module version, then damage (flipped, cut,
// padded bytes) or one hostile entry name, as recipes that replay from fast-check's seed and build on demand.
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { CollisionChecker } from '../modzip/case-fold.js';
import { baseName, cleanPath } from '../modzip/path-clean.js';
import { buildZip, renameInZip } from '../modzip/zip-test-helpers.js';
import type { TestEntry } from '../modzip/zip-test-helpers.js';
import { checkFilePath, splitPathVersion } from '../protocol/module-path.js';
import { modulePath, stringOf } from './arbitraries.js';

/** A module path with a version that fits it (§2.4), and the zip prefix they make. */
const moduleVersion = modulePath.chain((mod) => {
  const { pathMajor } = splitPathVersion(mod);
  const n = pathMajor.replace(/^[/.]v/, '').replace(/-unstable$/, '');
  const major = pathMajor === '' ? fc.constantFrom('0', '1') : fc.constant(n === '' ? '0' : n);
  return fc
    .tuple(major, fc.nat({ max: 20 }), fc.nat({ max: 20 }), fc.constantFrom('', '-rc.1', '-0.20240102030405-abcdefabcdef'))
    .map(([m, minor, patch, pre]) => ({ mod, version: `v${m}.${minor}.${patch}${pre}`, prefix: `${mod}@v${m}.${minor}.${patch}${pre}/` }));
});

/** Elements Go allows in file paths, with letters that fold (ß, K/k, Σ/σ) so case collisions are in play. */
const elem = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,5}$/), fc.constantFrom('é', 'ß', 'Σ', 'σ', 'K', 'k', 'x y', 'a+b', '{x}'));
const content = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc.tuple(fc.string({ maxLength: 8 }), fc.nat({ max: 500 })).map(([s, n]) => Buffer.from(s.repeat(n))),
);

export interface Tree {
  files: Array<{ name: string; content: Buffer; compress: boolean }>;
  dirs: string[];
  zip64: boolean;
}

/**
 * A file tree a module zip may hold: valid names, go.mod only at the root, some directory entries, and no two
 * names that collide, unless `collide` keeps them (to compare case folding with Go's).
 */
function treeOf(name: fc.Arbitrary<string>, collide: boolean): fc.Arbitrary<Tree> {
  return fc
    .record({
      files: fc.array(fc.record({ name, content, compress: fc.boolean() }), { maxLength: 7 }),
      goMod: fc.option(content),
      dirEvery: fc.nat({ max: 3 }),
      zip64: fc.boolean(),
    })
    .map(({ files, goMod, dirEvery, zip64 }) => {
      const all = goMod === null ? files : [{ name: 'go.mod', content: goMod, compress: true }, ...files];
      const collisions = new CollisionChecker();
      const kept = all.filter((f) => {
        if (checkFilePath(f.name) !== undefined || cleanPath(f.name) !== f.name) return false;
        if (baseName(f.name).toLowerCase() === 'go.mod' && f.name !== 'go.mod') return false;
        return collisions.check(f.name, false) === undefined || collide;
      });
      const parents = [
        ...new Set(
          kept.flatMap((f) =>
            f.name
              .split('/')
              .slice(0, -1)
              .map((_e, i, es) => es.slice(0, i + 1).join('/')),
          ),
        ),
      ];
      return { files: kept, dirs: dirEvery === 0 ? [] : parents.filter((_d, i) => i % dirEvery === 0), zip64 };
    });
}

const tree = treeOf(
  fc.array(elem, { minLength: 1, maxLength: 3 }).map((es) => es.join('/')),
  false,
);
/** Short names from letters whose case folds are unusual (Kelvin sign, long s, final sigma, İ/ı, titlecase ǅ). */
const foldingTree = treeOf(stringOf([...'KkSsIi', '\u212a', 'ſ', 'ß', 'ẞ', 'Σ', 'σ', 'ς', 'İ', 'ı', 'ǅ', 'ǆ', 'Ǆ', 'µ', 'μ', 'Ω', '\u2126', '/'], 3, 1), true);

function zipEntries(prefix: string, t: Tree): TestEntry[] {
  return [
    ...t.files.map((f) => ({ name: prefix + f.name, content: f.content, compress: f.compress })),
    ...t.dirs.map((d) => ({ name: `${prefix}${d}/`, dir: true })),
  ];
}

let serial = 0;

/** Writes the bytes to a temporary file for fn, and removes it afterwards. */
export async function withZipFile<T>(zip: Buffer, fn: (file: string) => Promise<T>): Promise<T> {
  const file = path.join(tmpdir(), `gmp-zip-fuzz-${process.pid}-${serial++}.zip`);
  await writeFile(file, zip);
  try {
    return await fn(file);
  } finally {
    await unlink(file);
  }
}

/** A valid zip for a module version, with what went into it. */

/** Damage: bytes flipped or overwritten, the file cut short or padded, a slice removed or repeated. */
type Damage = { kind: 'flip' | 'set' | 'cut' | 'drop' | 'repeat' | 'append'; at: number; len: number; value: number };
const damage: fc.Arbitrary<Damage[]> = fc.array(
  fc.record({
    kind: fc.constantFrom('flip', 'flip', 'flip', 'flip', 'set', 'set', 'cut', 'drop', 'repeat', 'append'),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
    value: fc.integer({ min: 1, max: 255 }),
  }),
  { minLength: 1, maxLength: 3 },
) as fc.Arbitrary<Damage[]>;

function applyDamage(zip: Buffer, list: readonly Damage[]): Buffer {
  let b = Buffer.from(zip);
  for (const d of list) {
    const at = b.length === 0 ? 0 : d.at % b.length;
    if (d.kind === 'flip') b[at] = (b[at] as number) ^ d.value;
    else if (d.kind === 'set') b.fill(d.value, at, Math.min(at + d.len, b.length));
    else if (d.kind === 'cut') b = b.subarray(0, at);
    else if (d.kind === 'drop') b = Buffer.concat([b.subarray(0, at), b.subarray(at + d.len)]);
    else if (d.kind === 'repeat') b = Buffer.concat([b.subarray(0, at + d.len), b.subarray(at)]);
    else b = Buffer.concat([b, Buffer.alloc(d.len, d.value)]);
  }
  return b;
}

/** Entry names the go command refuses, given the prefix, the module and an existing file name. */
function hostileNames(prefix: string, mod: string, version: string, existing: string | undefined): Array<string | Buffer> {
  const names: Array<string | Buffer> = [
    `${prefix}../x`,
    `${prefix}a/../../x`,
    `${prefix}./x`,
    `${prefix}a//x`,
    `${prefix}a/./x`,
    `${prefix}/x`,
    `/${prefix}x`,
    `../${prefix}x`,
    `${prefix}a\\..\\x`,
    `${prefix}..`,
    `${mod}@${version}x`,
    `${mod}/${version}/x`,
    `${mod}@${version}.0/x`,
    `other.example.com@${version}/x`,
    `${mod.toUpperCase()}@${version}/x`,
    `${prefix}sub/go.mod`,
    `${prefix}GO.MOD`,
    `${prefix}aux.go`,
    `${prefix}x/NUL`,
    `${prefix}x.`,
    `${prefix}a\u0001b`,
    `${prefix}a\u0000b`,
    `${prefix}x:y`,
    `${prefix}😀`,
    Buffer.concat([Buffer.from(prefix), Buffer.from([0x61, 0xff, 0x62])]),
  ];
  if (existing !== undefined) {
    names.push(`${prefix}${existing}`, `${prefix}${existing}/x`);
    const flipped = existing.replace(/[a-z]/, (c) => c.toUpperCase());
    const flipped2 = existing.replace(/[A-Z]/, (c) => c.toLowerCase());
    for (const f of [flipped, flipped2]) if (f !== existing) names.push(`${prefix}${f}`);
  }
  // Only names that really differ from the module's: an upper-cased path may equal it.
  return names.filter((n) => typeof n !== 'string' || !n.startsWith(prefix) || n !== `${prefix}x`);
}

/** How to make one test zip: a valid tree, then maybe damage, or one more entry with a hostile name. */
export interface ZipRecipe {
  mod: string;
  version: string;
  prefix: string;
  tree: Tree;
  entries: TestEntry[];
  damage?: Damage[];
  hostile?: Buffer;
}

export const validZip: fc.Arbitrary<ZipRecipe> = fc.tuple(moduleVersion, tree).map(([mv, t]) => ({ ...mv, tree: t, entries: zipEntries(mv.prefix, t) }));
export const damagedZip = fc.tuple(validZip, damage).map(([z, d]): ZipRecipe => ({ ...z, damage: d }));
export const hostileZip = fc.tuple(validZip, fc.nat(), fc.nat()).map(([z, pickName, pickFile]): ZipRecipe => {
  const files = z.tree.files.map((f) => f.name);
  const names = hostileNames(z.prefix, z.mod, z.version, files.length === 0 ? undefined : files[pickFile % files.length]);
  return { ...z, hostile: Buffer.from(names[pickName % names.length] as string | Buffer) };
});
const foldingZip: fc.Arbitrary<ZipRecipe> = fc.tuple(moduleVersion, foldingTree).map(([mv, t]) => ({ ...mv, tree: t, entries: zipEntries(mv.prefix, t) }));
/** Well-formed archives whose names decide their fate: valid, with a hostile name, or with names that may fold together. */
export const namedZip = fc.oneof(validZip, hostileZip, foldingZip);

export async function makeZip(r: ZipRecipe): Promise<Buffer> {
  if (r.hostile !== undefined) {
    // yazl refuses most hostile names, so the entry is written under a placeholder of the same length and renamed.
    const placeholder = Buffer.alloc(r.hostile.length, '~');
    const entries = [...r.entries, { name: placeholder.toString(), content: 'package x\n', compress: false }];
    return renameInZip(await buildZip(entries, { zip64: r.tree.zip64 }), placeholder, r.hostile);
  }
  const zip = await buildZip(r.entries, { zip64: r.tree.zip64 });
  return r.damage === undefined ? zip : applyDamage(zip, r.damage);
}
