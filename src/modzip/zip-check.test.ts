// Checks checkAndHashZip on zips built with yazl: the §9 hash vector, each refusal of Go's checkZip, and
// malformed archives (which must become ModZipError, never a crash).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import yazl from 'yazl';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkAndHashZip, MAX_ZIP_FILE, ModZipError } from './zip-check.js';
import { buildZip, renameInZip, setCrc, setDeclaredSize } from './zip-test-helpers.js';
import type { TestEntry } from './zip-test-helpers.js';

const P = 'example.com/m@v1.0.0/';
const base: TestEntry[] = [
  { name: `${P}a.go`, content: 'package m\n' },
  { name: `${P}go.mod`, content: 'module example.com/m\n' },
];

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zip-check-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function save(zip: Buffer): Promise<string> {
  const file = join(dir, `z${n++}.zip`);
  await writeFile(file, zip);
  return file;
}

async function rejects(zip: Buffer | Promise<Buffer>, pattern: RegExp, mod = 'example.com/m', v = 'v1.0.0'): Promise<void> {
  const file = await save(await zip);
  await assert.rejects(checkAndHashZip(file, mod, v), (err: unknown) => {
    assert.ok(err instanceof ModZipError, `expected ModZipError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('checkAndHashZip accepts', () => {
  test('the two-file zip of §9 and hashes it and its go.mod as Go does', async () => {
    for (const compress of [true, false]) {
      const bytes = await buildZip(base.map((e) => ({ ...e, compress })));
      const file = await save(bytes);
      const expected = {
        h1: 'h1:SXy42eQ/QbleX7vtuAPFnaM3tNuQnfeo7rulG/p7iOw=',
        entries: 2,
        uncompressedSize: 31,
        goModH1: 'h1:flS2VctbRrTv+sBE+VKgxx6hlkMGPVz9MGOmzMYFg3k=',
        goMod: Buffer.from('module example.com/m\n'),
        // Small: checked in memory, and the bytes come back for the caller to serve.
        data: bytes,
      };
      assert.deepEqual(await checkAndHashZip(file, 'example.com/m', 'v1.0.0'), expected);
      // With the bytes already in memory, the file is not read at all.
      assert.deepEqual(await checkAndHashZip(join(dirname(file), 'absent.zip'), 'example.com/m', 'v1.0.0', bytes), expected);
    }
  });

  test('a zip without go.mod, reporting no goModH1', async () => {
    const result = await checkAndHashZip(await save(await buildZip([base[0]!])), 'example.com/m', 'v1.0.0');
    assert.equal(result.goModH1, undefined);
    assert.equal(result.entries, 1);
  });

  test("directory entries, counting them in the hash as empty files (as Go's HashZip does)", async () => {
    const withDir = await buildZip([...base, { name: `${P}sub`, dir: true }, { name: `${P}sub/x.go`, content: 'package sub\n' }]);
    const without = await buildZip([...base, { name: `${P}sub/x.go`, content: 'package sub\n' }]);
    const a = await checkAndHashZip(await save(withDir), 'example.com/m', 'v1.0.0');
    const b = await checkAndHashZip(await save(without), 'example.com/m', 'v1.0.0');
    assert.equal(a.entries, 4);
    assert.notEqual(a.h1, b.h1);
  });

  test('hashes as Go 1.19 does: directory entries, a root directory entry, and names sorted by UTF-8 bytes', async () => {
    // Expected values come from running dirhash.HashZip and zip.CheckZip (Go 1.19) on the same zips.
    const cases: Array<[TestEntry[], string]> = [
      [
        [
          { name: `${P}sub`, dir: true },
          { name: `${P}sub/x.go`, content: 'x' },
        ],
        'h1:LarJtxL9LoxP2E5djXomiA52KUJBKI6j4GZ0l4+7E5Q=',
      ],
      [
        [
          { name: 'example.com/m@v1.0.0', dir: true },
          { name: `${P}x.go`, content: 'x' },
        ],
        'h1:YNuP4Rja8xncWnq1ZImqLcQMFKoLsx74Mz67Yl887aw=',
      ],
      [
        [
          { name: `${P}\u{20000}.go`, content: '1' },
          { name: `${P}\uFF41.go`, content: '2' },
        ],
        'h1:jw9KJQ8gEgXSZP6QoPvPIsUa1TxjrJJoU3ILpnwHH8s=',
      ],
      [[{ name: `${P}\u00df.go` }, { name: `${P}ss.go` }], 'h1:2SqwxY5kWGcrg+I4z37qjOb/Idizss/ERVr/4DgDL2U='],
      [[{ name: `${P}a b/c d.go` }], 'h1:8QUaEaMGiGd7BEf91trgjFidlocBuwjKlVNPfW/nMiw='],
    ];
    for (const [entries, want] of cases) {
      const { h1 } = await checkAndHashZip(await save(await buildZip(entries)), 'example.com/m', 'v1.0.0');
      assert.equal(h1, want);
    }
  });

  test('case-preserved prefixes and +incompatible versions', async () => {
    const q = 'github.com/Azure/x@v2.0.0+incompatible/';
    const file = await save(await buildZip([{ name: `${q}x.go`, content: 'package x\n' }]));
    const result = await checkAndHashZip(file, 'github.com/Azure/x', 'v2.0.0+incompatible');
    assert.match(result.h1, /^h1:[A-Za-z0-9+/]{43}=$/);
  });
});

describe('checkAndHashZip refuses', () => {
  test('a non-canonical version, a bad module path, or a version that does not fit the path', async () => {
    const zip = buildZip(base);
    await rejects(zip, /version "v1.0" is not canonical \(should be "v1.0.0"\)/, 'example.com/m', 'v1.0');
    await rejects(zip, /missing dot in first path element/, 'localhost/m', 'v1.0.0');
    await rejects(zip, /invalid version: should be v2, not v1/, 'example.com/m/v2', 'v1.0.0');
  });

  test('an entry without the module@version/ prefix, including a prefix differing only in case', async () => {
    await rejects(buildZip([...base, { name: 'other/x.go', content: '' }]), /^other\/x\.go: path does not have prefix "example\.com\/m@v1\.0\.0\/"/);
    await rejects(buildZip([{ name: 'example.com/M@v1.0.0/x.go', content: '' }]), /does not have prefix/);
  });

  test('unclean, absolute and dot-dot paths', async () => {
    await rejects(buildZip([{ name: `${P}a/./b.go` }]), /a\/\.\/b\.go: file path is not clean/);
    await rejects(buildZip([{ name: `${P}a//b.go` }]), /file path is not clean/);
    await rejects(
      buildZip([{ name: `${P}a/b/` + 'x.go' }]).then((z) => renameInZip(z, 'a/b/x', '/a/bx')),
      /\/a\/bx\.go/,
    );
    await rejects(
      buildZip([{ name: `${P}xx/a.go` }]).then((z) => renameInZip(z, 'xx/a', '../a')),
      /\.\.\/a\.go: malformed file path "\.\.\/a\.go": invalid path element "\.\."/,
    );
    await rejects(
      buildZip([{ name: `${P}xx` }]).then((z) => renameInZip(z, `${P}xx`, `${P}..`)),
      /invalid path element "\.\."/,
    );
  });

  test('names CheckFilePath rejects', async () => {
    await rejects(buildZip([{ name: `${P}aux.go` }]), /"aux" disallowed as path element component on Windows/);
    await rejects(buildZip([{ name: `${P}a:b.go` }]), /invalid char ':'/);
    await rejects(buildZip([{ name: `${P}x\u{1F600}.go` }]), /invalid char/);
    await rejects(
      buildZip([{ name: `${P}bad`, dir: true }]).then((z) => renameInZip(z, 'bad/', 'ba?/')),
      /invalid char '\?'/,
    );
  });

  test('a file name that is not UTF-8', async () => {
    const zip = await buildZip([{ name: `${P}xZ.go` }]);
    for (let i = zip.indexOf('xZ.go'); i >= 0; i = zip.indexOf('xZ.go', i + 1)) zip[i + 1] = 0xff;
    await rejects(zip, /not valid UTF-8/);
  });

  test('duplicates, case-fold collisions and paths used as both file and directory', async () => {
    await rejects(buildZip([...base, { name: `${P}a.go`, content: 'x' }]), /multiple entries for file "a\.go"/);
    await rejects(buildZip([...base, { name: `${P}A.go` }]), /case-insensitive file name collision: "a\.go" and "A\.go"/);
    await rejects(buildZip([{ name: `${P}K.go` }, { name: `${P}\u212a.go` }]), /case-insensitive file name collision/);
    await rejects(buildZip([{ name: `${P}x` }, { name: `${P}x/y.go` }]), /entry "x" is both a file and a directory/);
    await rejects(buildZip([{ name: `${P}Sub/a.go` }, { name: `${P}sub/b.go` }]), /collision: "Sub" and "sub"/);
  });

  test('go.mod outside the root or with another spelling', async () => {
    await rejects(buildZip([{ name: `${P}sub/go.mod` }]), /sub\/go\.mod: go\.mod file not in module root directory/);
    await rejects(buildZip([{ name: `${P}GO.MOD` }]), /go\.mod files must have lowercase names/);
  });

  test('declared sizes over the limits', async () => {
    await rejects(
      buildZip(base).then((z) => setDeclaredSize(z, `${P}a.go`, MAX_ZIP_FILE + 1)),
      /total uncompressed size of module contents too large/,
    );
    await rejects(
      buildZip(base).then((z) => setDeclaredSize(z, `${P}go.mod`, 16777217)),
      /go\.mod file too large/,
    );
    await rejects(
      buildZip([{ name: `${P}LICENSE`, content: 'x' }]).then((z) => setDeclaredSize(z, `${P}LICENSE`, 16777217)),
      /LICENSE file too large/,
    );
  });

  test('content longer or shorter than declared, or with a wrong CRC', async () => {
    await rejects(
      buildZip(base).then((z) => setDeclaredSize(z, `${P}a.go`, 5)),
      /a\.go/,
    );
    await rejects(
      buildZip(base).then((z) => setDeclaredSize(z, `${P}a.go`, 20)),
      /a\.go/,
    );
    await rejects(
      buildZip(base.map((e) => ({ ...e, compress: false }))).then((z) => setDeclaredSize(z, `${P}a.go`, 5)),
      /not a valid zip file|a\.go/,
    );
    await rejects(
      buildZip(base).then((z) => setCrc(z, `${P}a.go`, 12345)),
      /a\.go: cannot read entry: zip: checksum error/,
    );
  });

  test('a zip file larger than 500 MiB without reading it', async () => {
    const file = join(dir, 'huge.zip');
    await writeFile(file, '');
    await truncate(file, MAX_ZIP_FILE + 1);
    await assert.rejects(checkAndHashZip(file, 'example.com/m', 'v1.0.0'), /module zip file is too large \(524288001 bytes/);
  });

  test('truncated and garbage files with ModZipError, not a crash', async () => {
    const good = await buildZip(base);
    for (const bad of [
      good.subarray(0, good.length - 10),
      good.subarray(0, 40),
      Buffer.from('not a zip at all'),
      Buffer.alloc(0),
      Buffer.concat([good.subarray(0, 30), Buffer.alloc(200, 7), good.subarray(230)]),
    ]) {
      await rejects(bad, /^(not a valid zip file|.*cannot read entry)/);
    }
  });
});

describe('checkAndHashZip refuses a zip that the go command reads differently', () => {
  // Found by differential fuzzing against x/mod (npm run fuzz -- --go): yauzl accepted these, Go's archive/zip
  // refuses them, so a hostile upstream could have had a zip cached that every client then rejects.
  const eocdAt = (z: Buffer) => z.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));

  test('an empty zip whose end record declares a central directory it does not have', async () => {
    const z = Buffer.alloc(22);
    z.writeUInt32LE(0x06054b50, 0);
    z.writeUInt32LE(136, 12);
    await rejects(z, /not a valid zip file: the central directory does not end where its end record starts/);
  });

  test('a central directory with more headers than the end record counts (read as empty before)', async () => {
    const z = await buildZip(base);
    z.writeUInt16LE(1, eocdAt(z) + 10);
    await rejects(z, /not a valid zip file: the central directory holds more than its entries/);
  });

  test('a Zip64 locator Go ignores (two disks) while yauzl follows it', async () => {
    const z = await buildZip(base, { zip64: true });
    z.writeUInt32LE(2, eocdAt(z) - 20 + 16);
    await rejects(z, /not a valid zip file: the end of central directory and Zip64 records disagree/);
  });

  test('an entry flagged as followed by a data descriptor that is not there', async () => {
    const z = await buildZip(base.map((e) => ({ ...e, compress: false })));
    const central = z.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    z.writeUInt16LE(z.readUInt16LE(central + 8) | 0x8, central + 8);
    await rejects(z, /a\.go: cannot read entry: zip: checksum error/);
  });

  test('but accepts entries with real data descriptors', async () => {
    const zip = new yazl.ZipFile();
    for (const e of base) zip.addReadStream(Readable.from([Buffer.from(e.content as string)]), e.name, { mtime: new Date(0) });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
    const r = await checkAndHashZip(await save(Buffer.concat(chunks)), 'example.com/m', 'v1.0.0');
    assert.equal(r.h1, 'h1:SXy42eQ/QbleX7vtuAPFnaM3tNuQnfeo7rulG/p7iOw=');
  });

  test('but accepts Zip64 records and zips too large to be read into memory', async () => {
    const big = randomBytes(5 << 20);
    for (const zip64 of [false, true]) {
      const file = await save(await buildZip([...base, { name: `${P}big.bin`, content: big, compress: false }], { zip64 }));
      const r = await checkAndHashZip(file, 'example.com/m', 'v1.0.0');
      assert.equal(r.entries, 3);
    }
  });
});
