// bundle export through a proxy whose checksum databases differ from the export command's settings: the
// bundle would lack the proofs an importer with those settings requires, so export refuses on the connected
// side, naming the database and what to change, rather than writing a bundle refused after it was carried over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';

test('bundle export refuses, naming the database, when the proxy does not serve a --sumdb database of the export', async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-settings-'));
  const fixtures = await writeGoproxyDir(path.join(tmp, 'up'), sampleModules());
  const up = await startFakeUpstream(fixtures);
  const db = await startTestSumdb(fixtures);
  const a = await startProxy({ upstream: up.url, sumdb: db.gosumdb });
  try {
    const bundle = path.join(tmp, 'modules.tar');
    const unused = ['--data', path.join(tmp, 'unused'), '--own-sumdb', 'off'];
    // The export command left at the default --sumdb (sum.golang.org), which this proxy does not relay.
    const exp = await cli(['bundle', 'export', 'example.com/lib@v1.0.0', '--url', a.url, '-o', bundle, ...unused]);
    assert.equal(exp.code, 1, exp.stderr + exp.stdout);
    assert.match(exp.stderr, /checksum database sum\.golang\.org: http:\/\/127\.0\.0\.1:\d+ does not serve it/);
    assert.match(exp.stderr, /give bundle export the settings of the proxy \(--sumdb/);
    assert.deepEqual(
      (await readdir(tmp)).filter((f) => f.startsWith('modules') || f.startsWith('.gomodproxy-bundle')),
      [],
      'nothing written',
    );
    // With the proxy's database named, the same export carries its proofs.
    const ok = await cli(['bundle', 'export', 'example.com/lib@v1.0.0', '--url', a.url, '-o', bundle, '--sumdb', db.gosumdb, ...unused]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /proofs from sum\.test\.example \(tree \d+\)/);
  } finally {
    await a.close();
    await up.close();
    await db.close();
    await rm(tmp, { recursive: true, force: true });
  }
});

test('bundle export refuses a version a covering database has no record of, rather than leaving its proof out', async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-settings-'));
  const fixtures = await writeGoproxyDir(path.join(tmp, 'up'), sampleModules());
  // A database that knows only example.com/old: the proxy fills example.com/lib under --nosumdb.
  const known = await writeGoproxyDir(
    path.join(tmp, 'known'),
    sampleModules().filter((m) => m.path === 'example.com/old'),
  );
  const up = await startFakeUpstream(fixtures);
  const db = await startTestSumdb(known);
  const a = await startProxy({ upstream: up.url, sumdb: db.gosumdb, nosumdb: 'example.com/lib' });
  try {
    const bundle = path.join(tmp, 'modules.tar');
    const settings = ['--data', path.join(tmp, 'unused'), '--own-sumdb', 'off', '--sumdb', db.gosumdb];
    const exp = await cli(['bundle', 'export', 'example.com/lib@v1.0.0', 'example.com/old@v1.0.0', '--url', a.url, '-o', bundle, ...settings]);
    assert.equal(exp.code, 1, exp.stderr + exp.stdout);
    assert.match(exp.stderr, /example\.com\/lib@v1\.0\.0: checksum database sum\.test\.example has no record of it/);
    assert.doesNotMatch(exp.stderr, /example\.com\/old/);
    // The proxy's --nosumdb given to the export too: the module goes without that database's proof, as the importer expects.
    const ok = await cli([
      'bundle',
      'export',
      'example.com/lib@v1.0.0',
      'example.com/old@v1.0.0',
      '--url',
      a.url,
      '-o',
      bundle,
      ...settings,
      '--nosumdb',
      'example.com/lib',
    ]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  } finally {
    await a.close();
    await up.close();
    await db.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
