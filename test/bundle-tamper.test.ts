// A bundle import refuses every tampered byte: a changed zip byte, a changed record, a forged tree head, a
// head signed by another key, an entry named outside the layout. The entry is named and nothing is stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importDeps } from '../src/app/bundle-import.js';
import { openLocalAccess } from '../src/app/local-access.js';
import { importBundle } from '../src/bundle/import.js';
import type { TarEntry } from '../src/bundle/tar-write.js';
import { loadConfig } from '../src/config/load.js';
import { dataPaths } from '../src/storage/data-dirs.js';
import { filesUnder, flip, rewriteBundle } from './helpers/bundle-files.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startTestSumdb } from './helpers/test-sumdb.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

let tmp: string;
let up: FakeUpstream;
let db: TestSumdb;
let bundle: string;
const ZIP = 'cache/example.com/lib/@v/v1.0.0.zip';

const importInto = (file: string, dataDir: string, gosumdb = db.gosumdb) =>
  cli(['bundle', 'import', file, '--data', dataDir, '--upstream', 'off', '--sumdb', gosumdb, '--own-sumdb', 'off', '--log-level', 'silent']);

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-tamper-'));
  const fixtures = await writeGoproxyDir(path.join(tmp, 'up'), sampleModules());
  up = await startFakeUpstream(fixtures);
  db = await startTestSumdb(fixtures);
  bundle = path.join(tmp, 'b.tar');
  // Straight from a data directory this time (no running proxy): the export fills it through the fill path.
  const exp = await cli([
    'bundle',
    'export',
    'example.com/lib@v1.0.0',
    'example.com/old@v2.0.0+incompatible',
    '-o',
    bundle,
    '--data',
    path.join(tmp, 'a'),
    '--upstream',
    up.url,
    '--sumdb',
    db.gosumdb,
    '--own-sumdb',
    'off',
    '--log-level',
    'silent',
  ]);
  assert.equal(exp.code, 0, exp.stderr + exp.stdout);
});
after(async () => {
  await up.close();
  await db.close();
});

const rewrite = (edit: (name: string, data: Buffer) => Buffer | undefined, extra: TarEntry[] = []) => rewriteBundle(bundle, tmp, edit, extra);

async function expectRefused(file: string, entry: RegExp, gosumdb?: string): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmp, 'b-'));
  const r = await importInto(file, dataDir, gosumdb);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /refused, nothing stored/);
  assert.match(r.stderr, entry);
  const p = dataPaths(dataDir);
  assert.deepEqual(await filesUnder(p.cache), []);
  assert.deepEqual(await filesUnder(p.content), []);
  assert.deepEqual(await filesUnder(p.sumdbCache(db.name)), []);
}

test('the untouched bundle imports, into an empty data directory', async () => {
  const dataDir = await mkdtemp(path.join(tmp, 'ok-'));
  const r = await importInto(bundle, dataDir);
  assert.equal(r.code, 0, r.stderr);
  assert.ok((await filesUnder(dataPaths(dataDir).cache)).includes('v1.0.0.zip'));
});

test('one flipped byte in a zip is refused, naming the zip', async () => {
  await expectRefused(await rewrite((n, d) => (n === ZIP ? flip(d, Math.floor(d.length / 2)) : d)), /cache\/example\.com\/lib\/@v\/v1\.0\.0\.zip/);
});

test('a flipped byte in the .info or .mod is refused', async () => {
  await expectRefused(await rewrite((n, d) => (n.endsWith('v1.0.0.mod') ? flip(d, 3) : d)), /v1\.0\.0\.mod: h1:.* is not the manifest's/);
  await expectRefused(await rewrite((n, d) => (n.endsWith('v1.0.0.info') ? flip(d, 5) : d)), /v1\.0\.0\.info/);
});

test('a changed lookup record is refused: the tiles do not prove it', async () => {
  await expectRefused(
    await rewrite((n, d) => (n.includes('/lookup/example.com/lib@') ? Buffer.from(d.toString().replace(/h1:./, (m) => (m === 'h1:A' ? 'h1:B' : 'h1:A'))) : d)),
    /sumdb\/sum\.test\.example\/lookup\/example\.com\/lib@v1\.0\.0: the proof does not hold/,
  );
});

test('a forged tree head, or one signed by another key than the configured one, is refused', async () => {
  await expectRefused(
    await rewrite((n, d) => (n.endsWith('/latest') ? flip(d, d.length - 10) : d)),
    /sumdb\/sum\.test\.example\/latest: not a tree head signed/,
  );
  const other = await startTestSumdb(path.join(tmp, 'up'));
  try {
    // Same name, another key: the importer trusts only its configuration, never the bundle.
    await expectRefused(bundle, /latest: not a tree head signed/, other.gosumdb);
  } finally {
    await other.close();
  }
});

test('entries named outside the layout (path traversal, extra files) and missing entries are refused', async () => {
  await expectRefused(
    await rewrite((_, d) => d, [{ name: 'cache/../../evil.txt', data: Buffer.from('x') }]),
    /cache\/\.\.\/\.\.\/evil\.txt: not an entry the manifest implies/,
  );
  await expectRefused(await rewrite((_, d) => d, [{ name: '../outside', data: Buffer.from('x') }]), /\.\.\/outside: not an entry/);
  await expectRefused(
    await rewrite((_, d) => d, [{ name: 'sumdb/sum.test.example/../../x', data: Buffer.from('x') }]),
    /sumdb\/sum\.test\.example\/\.\.\/\.\.\/x/,
  );
  await expectRefused(await rewrite((n, d) => (n === ZIP ? undefined : d)), /v1\.0\.0\.zip: missing/);
});

test('a version whose go.mod this proxy already stored must come with the same go.mod (its own stays, and is what it serves)', async () => {
  const dataDir = await mkdtemp(path.join(tmp, 'mod-'));
  const stored = path.join(dataPaths(dataDir).cache, 'example.com/lib/@v/v1.0.0.mod');
  await mkdir(path.dirname(stored), { recursive: true });
  await writeFile(stored, 'module example.com/lib\n\ngo 1.21\n');
  const r = await importInto(bundle, dataDir);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /cache\/example\.com\/lib\/@v\/v1\.0\.0\.mod: h1:\S+ is not the h1:\S+ of the go\.mod this proxy stored first/);
  assert.deepEqual(await filesUnder(dataPaths(dataDir).cache), ['v1.0.0.mod']);
  assert.equal(await readFile(stored, 'utf8'), 'module example.com/lib\n\ngo 1.21\n');
});

test('a file that is no bundle is refused', async () => {
  const junk = path.join(tmp, 'junk.tar');
  await writeFile(junk, (await readFile(bundle)).subarray(0, 700));
  await expectRefused(junk, /bundle entry/);
});

test('importing without a progress listener stages and stores every entry as the command does', async () => {
  const dataDir = await mkdtemp(path.join(tmp, 'quiet-'));
  const config = await loadConfig({ flags: { data: dataDir, upstream: 'off', sumdb: db.gosumdb, 'own-sumdb': 'off', 'log-level': 'silent' }, env: {} });
  const { server } = await openLocalAccess(config);
  try {
    const result = await importBundle(bundle, { ...importDeps(config, server), onEntry: undefined });
    assert.equal(result.added, 2);
  } finally {
    await server.close();
  }
  assert.ok((await filesUnder(dataPaths(dataDir).cache)).includes('v1.0.0.zip'));
});
