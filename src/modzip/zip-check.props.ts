// Fuzz properties for module zip checking (zip-check.ts, go-module-protocols.md §5.4, §6): random and damaged
// zips never crash or hang, nothing outside `<module>@<version>/` is ever accepted, a valid zip's h1 is its dirhash.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import yauzl from 'yauzl';
import { modulePath, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { checkFilePath, splitPathVersion } from '../protocol/module-path.js';
import { CollisionChecker } from './case-fold.js';
import { hash1, hashGoMod } from './dirhash.js';
import { baseName, cleanPath } from './path-clean.js';
import { checkAndHashZip, ModZipError, nextEntry } from './zip-check.js';
import type { ZipCheckResult } from './zip-check.js';
import { buildZip, renameInZip, setCrc, setDeclaredSize } from './zip-test-helpers.js';
import type { TestEntry } from './zip-test-helpers.js';

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

interface Tree {
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

/** Runs the checker on the bytes: the result, or the ModZipError it threw (anything else fails the property). */
export async function check(zip: Buffer, mod: string, version: string): Promise<ZipCheckResult | ModZipError> {
  return withZipFile(zip, async (file) => {
    try {
      return await checkAndHashZip(file, mod, version);
    } catch (err) {
      assert.ok(err instanceof ModZipError, `not a ModZipError: ${String(err)}`);
      assert.ok(err.message.length > 0);
      return err;
    }
  });
}

/**
 * Every entry's name and content, read back with plain yauzl: what the checker's answer must describe. Names are
 * the raw bytes as UTF-8, as Go reads them whatever the UTF-8 flag says (yauzl would decode CP437 without it).
 */
async function readBack(zip: Buffer): Promise<Array<{ name: string; content: Buffer }>> {
  const z = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, f) => (err ? reject(err) : resolve(f))),
  );
  const out: Array<{ name: string; content: Buffer }> = [];
  for (let e = await nextEntry(z); e !== undefined; e = await nextEntry(z)) {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => z.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))));
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    out.push({ name: e.fileNameRaw.toString('utf8'), content: Buffer.concat(chunks) });
  }
  z.close();
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** What an accepted zip must satisfy: every name under the prefix and clean, h1 the dirhash of what it holds. */
async function assertSound(zip: Buffer, prefix: string, result: ZipCheckResult): Promise<void> {
  const entries = await readBack(zip);
  for (const { name } of entries) {
    assert.ok(name.startsWith(prefix), `accepted ${JSON.stringify(name)} outside ${prefix}`);
    const rel = name.slice(prefix.length).replace(/\/$/, '');
    if (rel !== '') assert.ok(cleanPath(rel) === rel && checkFilePath(rel) === undefined && !rel.startsWith('/'), `accepted ${JSON.stringify(name)}`);
  }
  assert.equal(result.h1, hash1(entries.map((e) => ({ name: e.name, sha256: sha256(e.content) }))));
  assert.equal(result.entries, entries.length);
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

const validZip: fc.Arbitrary<ZipRecipe> = fc.tuple(moduleVersion, tree).map(([mv, t]) => ({ ...mv, tree: t, entries: zipEntries(mv.prefix, t) }));
export const damagedZip = fc.tuple(validZip, damage).map(([z, d]): ZipRecipe => ({ ...z, damage: d }));
const hostileZip = fc.tuple(validZip, fc.nat(), fc.nat()).map(([z, pickName, pickFile]): ZipRecipe => {
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

export const zipProperties = [
  fuzz(
    'a valid module zip is accepted, and its h1 is the dirhash of its entry names and contents',
    80,
    () =>
      fc.asyncProperty(moduleVersion, tree, async ({ mod, version, prefix }, t) => {
        const entries = zipEntries(prefix, t);
        const result = await check(await buildZip(entries, { zip64: t.zip64 }), mod, version);
        assert.ok(!(result instanceof ModZipError), String(result));
        const files = entries.map((e) => ({ name: e.name, sha256: sha256(Buffer.from(e.content ?? '')) }));
        assert.equal(result.h1, hash1(files));
        assert.equal(result.entries, entries.length);
        assert.equal(
          result.uncompressedSize,
          t.files.reduce((n, f) => n + f.content.length, 0),
        );
        const goMod = t.files.find((f) => f.name === 'go.mod');
        assert.equal(result.goModH1, goMod === undefined ? undefined : hashGoMod(goMod.content));
      }),
    20_000,
  ),

  fuzz(
    'random bytes are refused with a ModZipError that says why, never a crash or a hang',
    100,
    () =>
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([Buffer.from('PK\x03\x04'), b, Buffer.from('PK\x05\x06'), Buffer.alloc(18)])),
        ),
        async (bytes) => {
          const result = await check(bytes, 'example.com/m', 'v1.0.0');
          if (!(result instanceof ModZipError)) await assertSound(bytes, 'example.com/m@v1.0.0/', result);
        },
      ),
    20_000,
  ),

  fuzz(
    'a damaged valid zip is refused with a ModZipError, or accepted only with clean names under the prefix and an h1 of what it holds',
    150,
    () =>
      fc.asyncProperty(damagedZip, async (z) => {
        const zip = await makeZip(z);
        const result = await check(zip, z.mod, z.version);
        if (!(result instanceof ModZipError)) await assertSound(zip, z.prefix, result);
      }),
    20_000,
  ),

  fuzz(
    'an entry named outside the prefix, unclean, absolute, colliding, duplicated or otherwise invalid is always refused',
    120,
    () =>
      fc.asyncProperty(hostileZip, async (z) => {
        const zip = await makeZip(z);
        const result = await check(zip, z.mod, z.version);
        assert.ok(result instanceof ModZipError, `accepted ${JSON.stringify(z.hostile?.toString())}`);
      }),
    20_000,
  ),

  fuzz(
    'a declared size or a (non-zero) CRC that disagrees with the data, however large, is refused',
    80,
    () =>
      fc.asyncProperty(
        validZip.filter((z) => z.tree.files.length > 0),
        fc.nat(),
        fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0xfffffffe, 16777217, 524288001), fc.nat({ max: 0xffffffff })),
        fc.boolean(),
        async (z, pick, value, crc) => {
          const f = z.tree.files[pick % z.tree.files.length] as Tree['files'][number];
          const zip = await buildZip(z.entries, { zip64: false });
          const actual = crc ? crc32(f.content) : f.content.length;
          // Go's reader compares the CRC only "if it seems like it was set", that is not 0; so does ours.
          if (value === actual || (crc && value === 0)) return;
          const bad = crc ? setCrc(zip, z.prefix + f.name, value) : setDeclaredSize(zip, z.prefix + f.name, value);
          const result = await check(bad, z.mod, z.version);
          assert.ok(result instanceof ModZipError, `accepted ${crc ? 'CRC' : 'size'} ${value} for ${f.name}`);
        },
      ),
    20_000,
  ),
];
