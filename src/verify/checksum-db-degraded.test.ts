// Checksum verification while the coordinator cannot be reached: lookups go on with the tree head held in
// memory, a rolled-back log is still refused, and the head trusted meanwhile reaches the coordinator once
// it answers again.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { sampleModules, writeGoproxyDir } from '../../test/helpers/goproxy-dir.js';
import { switchableCoordinator } from '../../test/helpers/switchable-coordinator.js';
import type { SwitchableCoordinator } from '../../test/helpers/switchable-coordinator.js';
import { startTestSumdb } from '../../test/helpers/test-sumdb.js';
import type { TestSumdb } from '../../test/helpers/test-sumdb.js';
import { parseGosumdb } from '../protocol/gosumdb.js';
import type { SumdbSpec } from '../protocol/gosumdb.js';
import { Metrics } from '../metrics.js';
import { MemoryStore } from '../storage/memory-store.js';
import { TEST_FETCH } from '../../test/helpers/fetch-options.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import { ChecksumDb } from './checksum-db.js';
import { trustedHeadKey } from './sumdb-ops.js';

let dir: string;
let db: TestSumdb;
let coord: SwitchableCoordinator;
let fetcher: HttpFetcher;
const metrics = new Metrics({ defaultMetrics: false });

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gmp-degraded-'));
  db = await startTestSumdb(await writeGoproxyDir(path.join(dir, 'up'), sampleModules()));
  coord = switchableCoordinator();
  fetcher = new HttpFetcher(db.url, TEST_FETCH);
});
after(async () => {
  await fetcher.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const treeSize = (note: string | undefined): number => Number(/^go\.sum database tree\n(\d+)\n/.exec(note ?? '')?.[1] ?? -1);
const degradedCount = async (): Promise<number> =>
  ((await metrics.coordinatorUnavailable.get()).values as { value: number }[]).reduce((n, v) => n + v.value, 0);

test('with the coordinator down, lookups verify against the head held in memory, a rollback is refused, and the head is saved on recovery', async () => {
  const checksums = new ChecksumDb(parseGosumdb(db.gosumdb) as SumdbSpec, fetcher, {
    store: new MemoryStore(),
    coord,
    reportFile: path.join(dir, 'SECURITY-ERROR'),
    metrics,
    log: pino({ level: 'silent' }),
  });
  const first = await checksums.lookup('example.com/lib', 'v1.0.0');
  assert.ok('h1' in first && first.h1.startsWith('h1:'));
  const sizeBefore = treeSize(await coord.inner.get(trustedHeadKey(db.name)));
  assert.ok(sizeBefore >= 1);

  coord.down = true;
  // The test database records a version when it is first looked up: the tree grows, the client moves on.
  const during = await checksums.lookup('example.com/lib', 'v1.1.0');
  assert.ok('h1' in during && during.h1.startsWith('h1:'), 'verified while the coordinator is down');
  assert.ok((await degradedCount()) > 0, 'the degraded operations are counted');
  assert.equal(treeSize(await coord.inner.get(trustedHeadKey(db.name))), sizeBefore, 'the coordinator could not be told');

  // A log signed by the same key with a shorter, different history: refused, from memory alone.
  await db.fork();
  await assert.rejects(checksums.lookup('example.com/old', 'v1.0.0'), /contradicts its own earlier tree|not trusted/);
  // Another process of the fleet would learn of it through the coordinator; this one stops trusting it now.
  await assert.rejects(checksums.lookup('example.com/lib', 'v1.0.0'), /not trusted/);
});

test('the head trusted while the coordinator was down is saved there once it answers', async () => {
  const store = new MemoryStore();
  const c = switchableCoordinator();
  const db2 = await startTestSumdb(await writeGoproxyDir(path.join(dir, 'up2'), sampleModules()));
  const f2 = new HttpFetcher(db2.url, TEST_FETCH);
  try {
    const checksums = new ChecksumDb(parseGosumdb(db2.gosumdb) as SumdbSpec, f2, {
      store,
      coord: c,
      reportFile: path.join(dir, 'SECURITY-ERROR-2'),
      metrics,
      log: pino({ level: 'silent' }),
    });
    await checksums.lookup('example.com/lib', 'v1.0.0');
    const saved = treeSize(await c.inner.get(trustedHeadKey(db2.name)));
    c.down = true;
    await checksums.lookup('example.com/lib', 'v1.1.0');
    await checksums.lookup('example.com/Upper/Case', 'v0.1.0');
    const held = treeSize((await checksums.client.latest()).note.toString('utf8'));
    assert.ok(held > saved, `the client moved on (${saved} → ${held})`);
    c.down = false;
    // The coordinator is asked again at the next lookup after the trust re-check interval (5 s).
    await new Promise((r) => setTimeout(r, 5200));
    await checksums.lookup('example.com/lib', 'v1.0.0');
    assert.equal(treeSize(await c.inner.get(trustedHeadKey(db2.name))), held);
  } finally {
    await f2.close();
    await db2.close();
  }
});
