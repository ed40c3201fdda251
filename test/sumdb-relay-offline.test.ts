// The /sumdb/ relay of an offline proxy (--upstream off), as the go command on an air-gapped side asks it: a
// version whose proof no bundle brought is 404 saying that nothing is stored and nothing fetched, not that the
// checksum database lacks the version (it may well have it: this proxy cannot ask).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';

test('an offline relay answers a lookup it holds no proof for with 404 naming --upstream off, not "not in the database"', async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-relay-offline-'));
  const db = await startTestSumdb(await writeGoproxyDir(path.join(tmp, 'up'), sampleModules()));
  const proxy = await startProxy({ upstream: 'off', sumdb: db.gosumdb });
  try {
    // The database knows the version; the proxy, offline, never asks it.
    const res = await proxy.get(`/sumdb/${db.name}/lookup/example.com/lib@v1.0.0`);
    const body = await res.text();
    assert.equal(res.status, 404, body);
    assert.match(
      body,
      /no proof of example\.com\/lib@v1\.0\.0 from checksum database sum\.test\.example is stored here, and fetching is off \(--upstream off\)/,
    );
    assert.doesNotMatch(body, /is not in checksum database/);
    assert.equal(db.hits.length, 0, 'the database was never asked');
  } finally {
    await proxy.close();
    await db.close();
    await rm(tmp, { recursive: true, force: true });
  }
});
