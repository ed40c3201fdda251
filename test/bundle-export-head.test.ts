// bundle export right after a client read the relay's /latest: the relay answers /latest from a copy a few
// seconds old, older than records looked up since, so the bundle's head must come from the lookups themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';

test("bundle export proves its records under the newest head, also when the relay's /latest is an older copy", async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-head-'));
  const fixtures = await writeGoproxyDir(path.join(tmp, 'up'), sampleModules());
  const up = await startFakeUpstream(fixtures);
  // The test database adds a record when it is first looked up: its tree is empty until the export's fill.
  const db = await startTestSumdb(fixtures);
  const a = await startProxy({ upstream: up.url, sumdb: db.gosumdb });
  try {
    const before = await a.get(`/sumdb/${db.name}/latest`);
    assert.equal(before.status, 200);
    assert.match(await before.text(), /^go\.sum database tree\n0\n/, "an empty tree, now the relay's copy");
    const bundle = path.join(tmp, 'modules.tar');
    const settings = ['--data', path.join(tmp, 'unused'), '--own-sumdb', 'off', '--sumdb', db.gosumdb];
    const exp = await cli(['bundle', 'export', 'example.com/lib@v1.0.0', '--url', a.url, '-o', bundle, ...settings]);
    assert.equal(exp.code, 0, exp.stderr + exp.stdout);
    assert.match(exp.stdout, /proofs from sum\.test\.example \(tree 1\)/);
    // And the bundle holds: an offline importer with that database verifies it.
    const imp = await cli(['bundle', 'import', bundle, '--data', path.join(tmp, 'b'), '--upstream', 'off', '--own-sumdb', 'off', '--sumdb', db.gosumdb]);
    assert.equal(imp.code, 0, imp.stderr + imp.stdout);
  } finally {
    await a.close();
    await up.close();
    await db.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
