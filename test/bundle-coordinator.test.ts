// A bundle import with a shared coordinator (a Redis server of the test's own, .ci/services/redis.sh): one that
// gives up waiting for a version another process holds says which, and what to do; while the coordinator cannot
// be reached the import stops, through --data and through a running proxy alike, saying why and what to do, with
// nothing stored, where fills go on degraded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fillLockName } from '../src/coord/exclusive.js';
import { openRedisCoordinator } from '../src/coord/redis.js';
import { dataPaths } from '../src/storage/data-dirs.js';
import { artifactKey } from '../src/storage/keys.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { exportBundles } from './helpers/bundle-fixture.js';
import { ownService } from './helpers/own-service.js';
import type { OwnService } from './helpers/own-service.js';
import { startProxy } from './helpers/proxy.js';
import { streamUpload } from './helpers/streamed-upload.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

let tmp: string;
let db: TestSumdb;
let redis: OwnService;
let coordinator: string;
/** The Redis without a database number. */
let redisBase: string;
let bundle: string;
let settings: string[];

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-coord-'));
  const fx = await exportBundles(tmp, { b: ['example.com/lib@v1.0.0', 'example.com/lib@v1.1.0'] });
  db = fx.db;
  settings = [...fx.settings, '--upstream', 'off'];
  bundle = fx.files.b as string;
  redis = await ownService('redis', (dir, port) => ({ GMP_REDIS_DIR: dir, GMP_REDIS_PORT: String(port) }));
  coordinator = (await redis.start()).REDIS_URL as string;
  redisBase = coordinator.replace(/\/\d*$/, '');
});

after(async () => {
  await redis?.cleanup();
  await db?.close();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

const zipOf = (data: string, v: string) => path.join(dataPaths(data).cache, artifactKey('example.com/lib', v, 'zip'));
const NEEDS =
  /^(.*: )?the coordinator cannot be reached \(Redis coordinator redis:\/\/127\.0\.0\.1:\d+\/\d: .*\), and a bundle import needs it: .*tree heads.*; no module version of the bundle was stored; import the same bundle again once the coordinator answers/;

test('an import that gives up waiting for a version another process holds says which and what to do, in one line', { timeout: 180_000 }, async () => {
  const data = path.join(tmp, 'held');
  // Another replica's fill of v1.1.0's zip holds its lock, for longer than this import waits (here: not at all).
  const other = await openRedisCoordinator(coordinator);
  const lease = await other.acquire(fillLockName(artifactKey('example.com/lib', 'v1.1.0', 'zip')), 600_000);
  assert.ok(lease !== undefined);
  try {
    const gaveUp = await cli(['bundle', 'import', bundle, '--data', data, '--coordinator', coordinator, '--bundle-lock-wait', '0', ...settings]);
    assert.equal(gaveUp.code, 1, gaveUp.stderr + gaveUp.stdout);
    assert.equal(gaveUp.stderr.trim().split('\n').length, 1, `one line, no stack: ${gaveUp.stderr}`);
    assert.match(
      gaveUp.stderr,
      /^gomodproxy bundle import: gave up after 0ms waiting for another process holding example\.com\/lib@v1\.1\.0 \(lock fill:example\.com\/lib\/@v\/v1\.1\.0\.zip\); 1 of its module versions were stored before; import the same bundle again once it is free, or give --bundle-lock-wait a longer wait\n$/,
    );
    await stat(zipOf(data, 'v1.0.0'));
    assert.equal(await stat(zipOf(data, 'v1.1.0')).catch(() => undefined), undefined);
  } finally {
    await other.release(lease);
    await other.close();
  }
  const again = await cli(['bundle', 'import', bundle, '--data', data, '--coordinator', coordinator, '--bundle-lock-wait', '0', ...settings]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stdout, /2 module versions \(1 new, 1 already stored\)/);
});

test('with the coordinator down, an import is refused with 503 (--url) or one line (--data) saying why and what to do, and stores nothing', {
  timeout: 180_000,
}, async () => {
  // A storage of its own (the proxy's --data, imported into directly too) and a database of its own on the
  // Redis: a coordinator belongs to one storage (the first test's).
  const data = path.join(tmp, 'served');
  const coordinator = `${redisBase}/1`;
  const proxy = await startProxy({ upstream: 'off', sumdb: db.gosumdb, coordinator }, { dataDir: data });
  try {
    await redis.stop();
    const res = await fetch(`${proxy.url}/api/v1/admin/bundles`, { method: 'POST', body: await readFile(bundle) });
    assert.equal(res.status, 503);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.match(await res.text(), NEEDS);
    const viaUrl = await cli(['bundle', 'import', bundle, '--url', proxy.url]);
    assert.equal(viaUrl.code, 1);
    assert.match(viaUrl.stderr, NEEDS);
    // Refused before a byte of the bundle is read: a large upload is answered at once and the rest never read.
    const port = Number(new URL(proxy.url).port);
    const total = 64 * 1024 * 1024;
    const large = await streamUpload(port, `POST /api/v1/admin/bundles HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-length: ${total}\r\n`, total);
    assert.equal(large.status, 503, large.answer.slice(0, 600));
    assert.match(large.answer.split('\r\n\r\n')[1] ?? '', NEEDS);
    assert.ok(large.sentBeforeAnswer !== undefined && large.sentBeforeAnswer < total, `answered after ${large.sentBeforeAnswer} of ${total} bytes`);
    assert.equal(large.wholeBodySent, false, 'the server read the rest of the body');

    const direct = await cli(['bundle', 'import', bundle, '--data', data, '--coordinator', coordinator, ...settings]);
    assert.equal(direct.code, 1, direct.stderr);
    assert.match(direct.stderr, NEEDS);
    assert.equal(direct.stderr.trim().split('\n').length, 1, `one line, no stack: ${direct.stderr}`);
    for (const v of ['v1.0.0', 'v1.1.0']) assert.equal(await stat(zipOf(data, v)).catch(() => undefined), undefined);
  } finally {
    await proxy.close();
    await redis.start();
  }
  // What the message says to do.
  const again = await cli(['bundle', 'import', bundle, '--data', data, '--coordinator', coordinator, ...settings]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stdout, /2 module versions \(2 new, 0 already stored\)/);
});
