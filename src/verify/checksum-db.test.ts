// A checksum database as the proxy consults it: with several configured, a failure must say which one.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { sampleModules, writeGoproxyDir } from '../../test/helpers/goproxy-dir.js';
import { startTestSumdb } from '../../test/helpers/test-sumdb.js';
import type { TestSumdb } from '../../test/helpers/test-sumdb.js';
import { TEST_FETCH } from '../../test/helpers/fetch-options.js';
import { LocalCoordinator } from '../coord/local.js';
import { isGmpError } from '../errors.js';
import { Metrics } from '../metrics.js';
import { MemoryStore } from '../storage/memory-store.js';
import { generateKey } from '../sumdb/note-keys.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import { ChecksumDb } from './checksum-db.js';

let dir: string;
let db: TestSumdb;
let fetcher: HttpFetcher;

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gmp-checksum-db-'));
  db = await startTestSumdb(await writeGoproxyDir(path.join(dir, 'up'), sampleModules()));
  fetcher = new HttpFetcher(db.url, TEST_FETCH);
});
after(async () => {
  await fetcher.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

test('a tree head the configured key does not verify fails the lookup naming the database', async () => {
  // The same name with another key: the database's signed heads do not verify.
  const spec = { name: db.name, key: generateKey(db.name).verifierKey, url: db.url };
  const checksums = new ChecksumDb(spec, fetcher, {
    store: new MemoryStore(),
    coord: new LocalCoordinator(),
    reportFile: path.join(dir, 'SECURITY-ERROR'),
    metrics: new Metrics({ defaultMetrics: false }),
    log: pino({ level: 'silent' }),
  });
  const err = await checksums.lookup('example.com/lib', 'v1.0.0').catch((e: unknown) => e);
  assert.ok(isGmpError(err, 'GMP_ERR_SUMDB'), String(err));
  assert.match(err.message, new RegExp(`^checksum database ${db.name.replaceAll('.', '\\.')}: example\\.com/lib@v1\\.0\\.0: reading tree note: `));
});
