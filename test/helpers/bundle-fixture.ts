// Bundles to import in tests, exported from a data directory filled from a fake upstream (sampleModules) and
// checked by a test checksum database; the upstream is gone once they are written, as on an air-gapped side.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { startFakeUpstream } from './fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './goproxy-dir.js';
import { runCli as cli } from './in-process-cli.js';
import { startTestSumdb } from './test-sumdb.js';
import type { TestSumdb } from './test-sumdb.js';

export interface BundleFixture {
  /** The database that proves the bundles; the importer's --sumdb. */
  readonly db: TestSumdb;
  /** Settings of both sides: that database, no own database, no logs. */
  readonly settings: string[];
  /** Each bundle's file, by the name it was asked under. */
  readonly files: Record<string, string>;
}

/** Under dir: one `NAME.tar` per entry of bundles, holding those module@version names. */
export async function exportBundles(dir: string, bundles: Record<string, string[]>): Promise<BundleFixture> {
  const fixtures = await writeGoproxyDir(path.join(dir, 'up'), sampleModules());
  const up = await startFakeUpstream(fixtures);
  const db = await startTestSumdb(fixtures);
  const settings = ['--sumdb', db.gosumdb, '--own-sumdb', 'off', '--log-level', 'silent'];
  const files: Record<string, string> = {};
  try {
    for (const [name, versions] of Object.entries(bundles)) {
      files[name] = path.join(dir, `${name}.tar`);
      const exp = await cli(['bundle', 'export', ...versions, '-o', files[name], '--data', path.join(dir, 'exporter'), '--upstream', up.url, ...settings]);
      assert.equal(exp.code, 0, exp.stderr + exp.stdout);
    }
  } finally {
    await up.close();
  }
  return { db, settings, files };
}

/**
 * The bytes of a bundle of example.com/lib@v1.0.0 without checksum proofs (`--sumdb off` on the exporter): for tests of
 * who may import, where the content is beside the point. Written under dir, the upstream stopped once it is.
 */
export async function exportPlainBundle(dir: string): Promise<Buffer> {
  const up = await startFakeUpstream(await writeGoproxyDir(path.join(dir, 'up'), sampleModules()));
  const file = path.join(dir, 'b.tar');
  try {
    const flags = ['--upstream', up.url, '--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'silent'];
    const exp = await cli(['bundle', 'export', 'example.com/lib@v1.0.0', '-o', file, '--data', path.join(dir, 'a'), ...flags]);
    assert.equal(exp.code, 0, exp.stderr);
  } finally {
    await up.close();
  }
  return readFile(file);
}
