// Checks zip.Create's file selection and the written zip's h1 against Go 1.19 (vectors from the real x/mod),
// and the Go ≥ 1.24 vendor rule against the newer x/mod source by hand.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { isVendored, selectModuleFiles, writeModuleZip } from './create-zip.js';
import type { ZipFileSource } from './create-zip.js';
import { checkAndHashZip, ModZipError } from './zip-check.js';

interface CaseFile {
  path: string;
  kind: ZipFileSource['kind'];
  content: string;
  size?: number;
}
interface GoResult {
  valid: string[] | null;
  err: string | null;
  h1: string;
}
const load = (name: string): any => JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));
const cases = load('create-cases.json') as Record<string, CaseFile[]>;
const goResults = load('create-go119.json') as Record<string, GoResult>;

const source = (f: CaseFile): ZipFileSource => ({
  path: f.path,
  kind: f.kind,
  size: f.size ?? Buffer.byteLength(f.content),
  open: () => Readable.from([Buffer.from(f.content)]),
});
const fromGo = (err: string): string =>
  err
    .replace(/^create zip: /, '')
    .split('\n')
    .join('; ');

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'create-zip-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('selectModuleFiles (Go 1.19 rules)', () => {
  for (const [name, files] of Object.entries(cases)) {
    const want = goResults[name]!;
    test(`keeps or refuses the same files as zip.Create for case "${name}"`, () => {
      if (want.err !== null) {
        assert.throws(
          () => selectModuleFiles(files.map(source), '1.19'),
          (err: unknown) => {
            assert.ok(err instanceof ModZipError);
            assert.equal(err.message, fromGo(want.err!));
            return true;
          },
        );
      } else {
        assert.deepEqual(
          selectModuleFiles(files.map(source), '1.19').map((f) => f.path),
          want.valid ?? [],
        );
      }
    });
  }
});

describe('writeModuleZip', () => {
  test("writes zips whose h1 equals the h1 of Go 1.19's zip.Create for every valid case", async () => {
    for (const [name, files] of Object.entries(cases)) {
      const want = goResults[name]!;
      if (want.err !== null) continue;
      const out = join(dir, `${name}.zip`);
      const { h1 } = await writeModuleZip(files.map(source), 'example.com/m', 'v1.0.0', out);
      assert.equal(h1, want.h1, name);
      assert.equal((await checkAndHashZip(out, 'example.com/m', 'v1.0.0')).h1, h1, `${name} re-hashed`);
    }
  });

  test("matches Go 1.19's zip.CreateFromDir on a directory tree with symlinks, vendor, a nested module and .git", async () => {
    const tree = load('create-tree.json') as { goH1: string; files: Record<string, string>; symlinks: Record<string, string> };
    const root = join(dir, 'tree');
    for (const [p, content] of Object.entries(tree.files)) {
      await mkdir(dirname(join(root, p)), { recursive: true });
      await writeFile(join(root, p), content);
    }
    for (const [p, target] of Object.entries(tree.symlinks)) await symlink(target, join(root, p));
    const files = await walk(root, '');
    const { h1 } = await writeModuleZip(files, 'example.com/m', 'v1.0.0', join(dir, 'tree.zip'));
    assert.equal(h1, tree.goH1);
  });

  test('refuses a non-canonical version or a version that does not fit the path', async () => {
    const files = cases['basic']!.map(source);
    await assert.rejects(writeModuleZip(files, 'example.com/m', 'v1.0', join(dir, 'x.zip')), /not canonical/);
    await assert.rejects(writeModuleZip(files, 'example.com/m', 'v2.0.0', join(dir, 'x.zip')), /should be v0 or v1, not v2/);
  });

  test('fails when a file is longer than its declared size, and when a file cannot be read', async () => {
    const long: ZipFileSource = { path: 'a.go', kind: 'file', size: 2, open: () => Readable.from([Buffer.from('abcdef')]) };
    await assert.rejects(writeModuleZip([long], 'example.com/m', 'v1.0.0', join(dir, 'y.zip')), /"a\.go" is larger than declared size/);
    const broken: ZipFileSource = { path: 'b.go', kind: 'file', size: 2, open: () => createReadStream(join(dir, 'missing')) };
    await assert.rejects(writeModuleZip([broken], 'example.com/m', 'v1.0.0', join(dir, 'z.zip')), ModZipError);
  });

  test('applies the Go 1.24 vendor rule when the root go.mod says go 1.24', async () => {
    const files = (goVersion: string): ZipFileSource[] =>
      [`module example.com/m\n\ngo ${goVersion}\n`]
        .map((c) => source({ path: 'go.mod', kind: 'file', content: c }))
        .concat(['vendor/modules.txt', 'pkg/vendor/vendor.go', 'vendor/a/b.go'].map((p) => source({ path: p, kind: 'file', content: p })));
    const old = await writeModuleZip(files('1.23'), 'example.com/m', 'v1.0.0', join(dir, 'v123.zip'));
    const sel = selectModuleFiles(files('1.24.0'), '1.24.0').map((f) => f.path);
    assert.deepEqual(sel, ['go.mod', 'pkg/vendor/vendor.go']);
    const neu = await writeModuleZip(files('1.24.0'), 'example.com/m', 'v1.0.0', join(dir, 'v124.zip'));
    assert.notEqual(old.h1, neu.h1);
  });
});

describe('vendor rules', () => {
  test('the old rule keeps top-level vendor files and drops every nested vendor file (issue 37397)', () => {
    for (const [p, want] of [
      ['vendor/modules.txt', false],
      ['vendor/x.go', false],
      ['vendor/a/b.go', true],
      ['pkg/vendor/vendor.go', true],
      ['ab/vendor/c.go', true],
      ['avendor/x.go', false],
      ['vendor.go', false],
    ] as const) {
      assert.equal(isVendored(p, false), want, p);
    }
  });

  test('the Go 1.24 rule drops vendor/modules.txt and keeps files directly inside a nested vendor directory', () => {
    for (const [p, want] of [
      ['vendor/modules.txt', true],
      ['vendor/x.go', false],
      ['vendor/a/b.go', true],
      ['pkg/vendor/vendor.go', false],
      ['pkg/vendor/a/b.go', true],
      ['a/b/vendor/c/d.go', true],
    ] as const) {
      assert.equal(isVendored(p, true), want, p);
    }
  });

  test("selects the rule by the go directive's language version, defaulting to the old rule", () => {
    const files = ['vendor/modules.txt', 'x.go'].map((p) => source({ path: p, kind: 'file', content: '' }));
    for (const [v, kept] of [
      [undefined, 2],
      ['1.23.9', 2],
      ['1.24', 1],
      ['1.24rc1', 1],
      ['1.25.0', 1],
      ['bogus', 2],
    ] as const) {
      assert.equal(selectModuleFiles(files, v).length, kept, String(v));
    }
  });
});

/** Lists a directory like x/mod's listFilesInDir: skips VCS directories, reports symlinks as such. */
async function walk(root: string, rel: string): Promise<ZipFileSource[]> {
  const out: ZipFileSource[] = [];
  for (const name of (await readdir(join(root, rel))).sort()) {
    const p = rel === '' ? name : `${rel}/${name}`;
    const st = await lstat(join(root, p));
    if (st.isDirectory()) {
      if (!['.git', '.hg', '.svn', '.bzr'].includes(name)) out.push(...(await walk(root, p)));
      continue;
    }
    const kind = st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
    out.push({ path: p, kind, size: st.size, open: () => createReadStream(join(root, p)) });
  }
  return out;
}
