// A bundle import's commit: killed with SIGKILL right after a zip became visible, the version is still
// protected from eviction once the proxy is up again (an air-gapped site cannot fetch it again) and importing
// the same bundle again completes the rest; and it holds the fill locks, so a fill of the same version that
// stores other content meanwhile is seen inside the lock and refused, never recorded as the bundle's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importDeps } from '../src/app/bundle-import.js';
import { openLocalAccess } from '../src/app/local-access.js';
import { BundleError } from '../src/bundle/import-stage.js';
import { importBundle } from '../src/bundle/import.js';
import { loadConfig } from '../src/config/load.js';
import { purgeGuard } from '../src/app/dashboard-admin.js';
import { bundledKey } from '../src/content/content-keys.js';
import type { Exclusive, Held } from '../src/coord/exclusive.js';
import { purgeVersion } from '../src/dashboard/purge.js';
import { lockNameOf } from '../src/fill/types.js';
import { dataPaths } from '../src/storage/data-dirs.js';
import { artifactKey } from '../src/storage/keys.js';
import { eventually } from './helpers/eventually.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { exportBundles } from './helpers/bundle-fixture.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

let tmp: string;
let db: TestSumdb;
let bundle: string;
/** example.com/lib@v1.2.0-rc.1 alone. */
let rcBundle: string;
let settings: string[];

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-commit-'));
  const fx = await exportBundles(tmp, { b: ['example.com/lib@v1.0.0', 'example.com/lib@v1.1.0'], rc: ['example.com/lib@v1.2.0-rc.1'] });
  ({ db, settings } = fx);
  bundle = fx.files.b as string;
  rcBundle = fx.files.rc as string;
});
after(() => db.close());

/** Runs `bundle import` into data in a child, kills it with SIGKILL at step (test/helpers/pausing-import.ts), and answers the key it stored last. */
async function importKilledAt(step: string, data: string, file = bundle): Promise<string> {
  const marker = path.join(data, '..', `paused-${path.basename(data)}`);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve('test/helpers/pausing-import.ts'), marker, step, file, '--data', data, '--upstream', 'off', ...settings],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  child.stderr.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
  await eventually(async () => {
    if (child.exitCode !== null) assert.fail(`the import ended before it paused: ${out}`);
    return (await stat(marker).catch(() => undefined)) !== undefined;
  }, `the import reached ${step}`);
  const key = await readFile(marker, 'utf8');
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  return key;
}

test('a zip stored by an import killed mid-commit is protected from eviction after the restart, and importing again completes it', async () => {
  const data = path.join(tmp, 'b');
  const offline = ['--data', data, '--upstream', 'off', ...settings];
  const zipKey = await importKilledAt('zip:1', data);
  const zipFile = path.join(dataPaths(data).cache, zipKey);
  await stat(zipFile);

  // Restarted with a cap far below what is stored: every zip not protected would go.
  const proxy = await startProxy({ upstream: 'off', sumdb: db.gosumdb, 'cache-max-size': '100B' }, { dataDir: data });
  try {
    // The evictor ran once at start; this pass runs after it.
    const pass = await proxy.server.content.evictor?.kick();
    assert.ok((await stat(zipFile).catch(() => undefined)) !== undefined, `${zipKey}, stored by the interrupted import, was evicted`);
    assert.ok(pass !== undefined && pass.before > 100, `an eviction pass ran over the cap: ${JSON.stringify(pass)}`);
    assert.equal(pass.evicted, 0, 'nothing the bundle brought is evicted');
    const [module, version] = zipKey.split('/@v/') as [string, string];
    const res = await proxy.get(`/${module}/@v/${version}`);
    assert.equal(res.status, 200, 'the interrupted version is served');
  } finally {
    await proxy.close();
  }

  const again = await cli(['bundle', 'import', bundle, ...offline]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stdout, /2 module versions \(1 new, 1 already stored\)/);
  for (const v of ['v1.0.0', 'v1.1.0']) await stat(path.join(dataPaths(data).cache, artifactKey('example.com/lib', v, 'zip')));
});

test('a version marked by an import killed before its zip was stored is neither counted nor kept protected, and importing again completes it', async () => {
  const data = path.join(tmp, 'stray');
  // v1.0.0 is stored whole; v1.1.0 is marked as imported, and none of its files is stored.
  const mark = await importKilledAt('mark:2', data);
  assert.equal(mark, bundledKey('example.com/lib', 'v1.1.0'));
  const zipOf = (v: string) => path.join(dataPaths(data).cache, artifactKey('example.com/lib', v, 'zip'));
  assert.equal(await stat(zipOf('v1.1.0')).catch(() => undefined), undefined);

  const proxy = await startProxy({ upstream: 'off', sumdb: db.gosumdb, 'cache-max-size': '100B' }, { dataDir: data });
  try {
    const pass = await proxy.server.content.evictor?.kick();
    assert.ok(pass !== undefined && pass.before > 100, `an eviction pass ran over the cap: ${JSON.stringify(pass)}`);
    assert.equal(pass.evicted, 0, 'the stored version stays protected');
    const metrics = await (await proxy.get('/metrics')).text();
    assert.match(metrics, /gomodproxy_cache_protected_versions\{reason="bundled"\} 1\n/, 'only the version whose zip is stored counts');
    const { content } = proxy.server.layout;
    assert.equal(await content.stat(bundledKey('example.com/lib', 'v1.1.0')), undefined, 'the mark of the version never stored is removed');
    assert.notEqual(await content.stat(bundledKey('example.com/lib', 'v1.0.0')), undefined);
  } finally {
    await proxy.close();
  }

  const again = await cli(['bundle', 'import', bundle, '--data', data, '--upstream', 'off', ...settings]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.match(again.stdout, /2 module versions \(1 new, 1 already stored\)/);
  await stat(zipOf('v1.1.0'));
});

test('@v/list names every version an import killed mid-commit stored, next to those of an earlier import', async () => {
  const data = path.join(tmp, 'list');
  const first = await cli(['bundle', 'import', rcBundle, '--data', data, '--upstream', 'off', ...settings]);
  assert.equal(first.code, 0, first.stderr + first.stdout);
  // v1.0.0 is stored whole; the import dies as it starts on v1.1.0.
  await importKilledAt('mark:2', data);
  const proxy = await startProxy({ upstream: 'off', sumdb: db.gosumdb }, { dataDir: data });
  try {
    assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.info')).status, 200);
    const list = await proxy.get('/example.com/lib/@v/list');
    assert.equal(list.status, 200);
    assert.equal(await list.text(), 'v1.0.0\nv1.2.0-rc.1\n');
  } finally {
    await proxy.close();
  }
});

/**
 * `name` held by this test, as a fill or an import of the version holds it, and the same locks wrapped so that
 * `waiting` resolves once someone waits for that lock.
 */
async function holdWatched(inner: Exclusive, name: string): Promise<{ held: Held; waiting: Promise<'waiting'>; locks: Exclusive }> {
  const held = await inner.tryHold(name);
  assert.ok(held !== undefined);
  let tellWaiting = () => {};
  const waiting = new Promise<'waiting'>((r) => (tellWaiting = () => r('waiting')));
  const locks: Exclusive = {
    tryHold: (n) => inner.tryHold(n),
    waitUntilFree: (n, signal) => {
      if (n === name) tellWaiting();
      return inner.waitUntilFree(n, signal);
    },
  };
  return { held, waiting, locks };
}

test('the commit waits for a fill holding the same version, and refuses the version when that fill stored other content', async () => {
  const dataDir = await mkdtemp(path.join(tmp, 'race-'));
  const config = await loadConfig({ flags: { data: dataDir, upstream: 'off', sumdb: db.gosumdb, 'own-sumdb': 'off', 'log-level': 'silent' }, env: {} });
  const { server } = await openLocalAccess(config);
  try {
    const zip = { kind: 'zip', module: 'example.com/lib', version: 'v1.1.0' } as const;
    // A cold fill of v1.1.0's zip is under way (here: this test, holding its lock as the fill path does).
    const { held: fill, waiting, locks } = await holdWatched(server.locks, lockNameOf(zip));
    const deps = importDeps(config, server);
    const imported = importBundle(bundle, { ...deps, commit: { ...deps.commit, locks } });
    imported.catch(() => undefined);
    assert.equal(
      await Promise.race([
        waiting,
        imported.then(
          () => 'finished',
          () => 'failed',
        ),
      ]),
      'waiting',
      'the import waits for the fill',
    );
    // The fill stores what its upstream served (another zip than the bundle's), then gives the key back.
    await server.layout.cache.put(artifactKey(zip.module, zip.version, 'ziphash'), 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    await server.layout.cache.put(artifactKey(zip.module, zip.version, 'zip'), Buffer.from('the fill s zip'));
    await fill.release();
    const err = await imported.then(
      () => assert.fail('imported over a fill with other content'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof BundleError, String(err));
    assert.equal(err.entry, 'cache/example.com/lib/@v/v1.1.0.zip');
    assert.match(err.refusal, /^refused, 1 of its module versions were stored before: .* is not the h1:A+= a fill stored while it was imported$/);
    // The fill's version stays as the fill stored it, and is not marked as the bundle's.
    assert.equal(
      (await server.layout.cache.read(artifactKey(zip.module, zip.version, 'ziphash')))?.toString(),
      'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    );
    assert.equal(await server.layout.content.stat(bundledKey(zip.module, zip.version)), undefined);
    assert.notEqual(await server.layout.content.stat(bundledKey(zip.module, 'v1.0.0')), undefined);
  } finally {
    await server.close();
  }
});

test('a purge of an imported version removes its mark too: the version filled again is evicted like any other', async () => {
  const data = path.join(tmp, 'purged');
  const imported = await cli(['bundle', 'import', bundle, '--data', data, '--upstream', 'off', ...settings]);
  assert.equal(imported.code, 0, imported.stderr + imported.stdout);
  // The upstream is back (the same modules the bundle was exported from). No cap yet: no eviction pass runs (one
  // would remove a mark left without its zip on its own) between the purge and the fill.
  const up = await startFakeUpstream(await writeGoproxyDir(path.join(tmp, 'purged-up'), sampleModules()));
  const flags = { upstream: up.url, sumdb: db.gosumdb, 'cache-min-free': '0' };
  const proxy = await startProxy(flags, { dataDir: data });
  try {
    const { content } = proxy.server.layout;
    const purge = await fetch(`${proxy.url}/api/v1/admin/modules/example.com/lib/@v/v1.0.0`, { method: 'DELETE' });
    assert.equal(purge.status, 200, await purge.clone().text());
    assert.deepEqual(await purge.json(), { path: 'example.com/lib', version: 'v1.0.0', deleted: ['zip', 'ziphash', 'mod', 'info'], bundled: true });
    assert.equal(await content.stat(bundledKey('example.com/lib', 'v1.0.0')), undefined, 'the purged version is no longer marked imported');
    assert.notEqual(await content.stat(bundledKey('example.com/lib', 'v1.1.0')), undefined, 'the other imported version is');
    // Stored behind the answer: wait for it.
    const stored = new Promise<void>((resolve) =>
      proxy.server.events.on('filled', (e) => {
        if (e.kind === 'zip' && e.version === 'v1.0.0') resolve();
      }),
    );
    assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.zip')).status, 200, 'filled again from the upstream');
    await stored;
  } finally {
    await proxy.close();
    await up.close();
  }

  // Restarted with a cap far below what is stored: the refill is not the bundle's, so it goes; the imported one stays.
  const capped = await startProxy({ ...flags, upstream: 'off', 'cache-max-size': '100B' }, { dataDir: data });
  try {
    await capped.server.content.evictor?.kick();
    const zipOf = (v: string) => path.join(dataPaths(data).cache, artifactKey('example.com/lib', v, 'zip'));
    assert.equal(await stat(zipOf('v1.0.0')).catch(() => undefined), undefined, 'the refilled zip is evictable');
    await stat(zipOf('v1.1.0'));
  } finally {
    await capped.close();
  }
});

test("a purge holds the version's fill locks: it waits for a fill or import of it, then removes its files and mark", async () => {
  const dataDir = path.join(tmp, 'purge-wait');
  const imported = await cli(['bundle', 'import', bundle, '--data', dataDir, '--upstream', 'off', ...settings]);
  assert.equal(imported.code, 0, imported.stderr + imported.stdout);
  const config = await loadConfig({ flags: { data: dataDir, upstream: 'off', sumdb: db.gosumdb, 'own-sumdb': 'off', 'log-level': 'silent' }, env: {} });
  const { server } = await openLocalAccess(config);
  try {
    const zip = { kind: 'zip', module: 'example.com/lib', version: 'v1.1.0' } as const;
    // An import (or a fill) of v1.1.0 is under way: here this test, holding its zip's lock as they do.
    const { held: other, waiting, locks } = await holdWatched(server.locks, lockNameOf(zip));
    const purged = purgeVersion(server.layout.cache, purgeGuard(locks, server.layout.content), zip.module, zip.version, async () => {});
    purged.catch(() => undefined);
    const first = await Promise.race([
      waiting,
      purged.then(
        () => 'finished',
        () => 'failed',
      ),
    ]);
    assert.equal(first, 'waiting', 'the purge waits for the holder');
    assert.notEqual(await server.layout.cache.stat(artifactKey(zip.module, zip.version, 'mod')), undefined, 'nothing is removed meanwhile');
    assert.notEqual(await server.layout.content.stat(bundledKey(zip.module, zip.version)), undefined, 'the mark stays meanwhile');
    await other.release();
    assert.equal((await purged).bundled, true);
    assert.equal(await server.layout.cache.stat(artifactKey(zip.module, zip.version, 'zip')), undefined);
    assert.equal(await server.layout.content.stat(bundledKey(zip.module, zip.version)), undefined);
  } finally {
    await server.close();
  }
});
