// End to end with the real go command and GOSUMDB on: a test checksum database relayed through
// /sumdb/, gomodproxy's own database covering public and private modules, and tampering refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { forEachGo, goDownload, goEnv } from './helpers/go.js';
import type { Download, GoCommand } from './helpers/go.js';
import { ownSumdbKey } from './helpers/own-sumdb-key.js';
import { startProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

let fixtures: string;
let up: FakeUpstream;
let db: TestSumdb;

before(async () => {
  fixtures = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), sampleModules());
  up = await startFakeUpstream(fixtures);
  db = await startTestSumdb(fixtures);
});
after(async () => {
  await up.close();
  await db.close();
});

const MODULES = ['example.com/lib@v1.0.0', 'example.com/Upper/Case@v0.1.0', 'example.com/old@v2.0.0+incompatible'];

async function download(go: GoCommand, goproxy: string, gosumdb: string) {
  const { result, downloads } = await goDownload(await goEnv(goproxy, { GOSUMDB: gosumdb }, go), MODULES);
  return { ...result, downloads: result.code === 0 ? downloads : [] };
}

async function expectedSums(): Promise<Download[]> {
  return Promise.all(
    MODULES.map(async (m) => {
      const [p, v] = m.split('@') as [string, string];
      const [zipLine, modLine] = (await db.gosum(p, v))?.toString().trim().split('\n') ?? [];
      return { Path: p, Version: v, Sum: zipLine?.split(' ')[2] ?? '', GoModSum: modLine?.split(' ')[2] ?? '' };
    }),
  );
}

const pick = (ds: Download[]) => ds.map(({ Path, Version, Sum, GoModSum }) => ({ Path, Version, Sum, GoModSum }));

await forEachGo('the go command verifies through gomodproxy', (go) => {
  test('GOSUMDB=<test key> with no URL reaches the database only through the /sumdb/ relay', async () => {
    const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb });
    try {
      // The database's own host (https://sum.test.example) does not exist: the relay is the only way.
      const r = await download(go, proxy.url, db.key);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(pick(r.downloads), await expectedSums());
      assert.equal((await proxy.get(`/sumdb/${db.name}/supported`)).status, 200);
      assert.equal((await proxy.get('/sumdb/sum.other.example/supported')).status, 404);
    } finally {
      await proxy.close();
    }
  });

  test("GOSUMDB=<gomodproxy's own key> covers public and private modules, and a restart serves the same tree", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-own-'));
    const flags = { upstream: up.url, sumdb: db.gosumdb, private: 'example.com/Upper', 'private-upstream': up.url, 'own-sumdb': 'on' };
    let proxy = await startProxy(flags, { dataDir });
    try {
      // Read after the start: the server makes the key; the CLI only reads it.
      const key = await ownSumdbKey(dataDir);
      const gosumdb = `${key} ${proxy.url}/sumdb/sum.gomodproxy.local`;
      const seen = db.hits.length;
      // GOPRIVATE is empty: the private module is checked against our own database, not skipped.
      const r = await download(go, proxy.url, gosumdb);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(pick(r.downloads), await expectedSums());
      assert.ok(!db.hits.slice(seen).some((h) => h.includes('!upper')), 'the private module never reached the public database');
      const latest = await (await proxy.get('/sumdb-own/latest')).text();
      assert.match(latest, /^go\.sum database tree\n3\n/);
      await proxy.close();
      proxy = await startProxy(flags, { dataDir });
      assert.equal(await (await proxy.get('/sumdb-own/latest')).text(), latest, 'the same signed tree after a restart');
      const again = await download(go, proxy.url, `${key} ${proxy.url}/sumdb-own`);
      assert.equal(again.code, 0, again.stderr);
    } finally {
      await proxy.close();
    }
  });

  test('with an altered upstream, the go command gets the checksum mismatch and no bytes', async () => {
    const evil = sampleModules().map((m) => ({ ...m, versions: m.versions.map((v) => ({ ...v, files: { ...v.files, 'evil.go': 'package x\n' } })) }));
    const evilUp = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-evil-')), evil));
    const proxy = await startProxy({ upstream: evilUp.url, sumdb: db.gosumdb });
    try {
      const r = await download(go, proxy.url, 'off');
      assert.notEqual(r.code, 0);
      // With -json, go reports each module's error in its JSON object.
      assert.match(r.stdout, /502 Bad Gateway/);
      assert.match(r.stdout, /checksum mismatch/);
    } finally {
      await proxy.close();
      await evilUp.close();
    }
  });
});

await forEachGo('a private module is never looked up in a relayed database', (go) => {
  test('GOSUMDB=<test key> without GONOSUMDB: the lookup of a --private module is refused with 403, not passed to the database', async () => {
    const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb, private: 'example.com/Upper', 'private-upstream': up.url });
    try {
      const seen = db.hits.length;
      const { result } = await goDownload(await goEnv(proxy.url, { GOSUMDB: db.key }, go), ['example.com/Upper/Case@v0.1.0']);
      assert.notEqual(result.code, 0, 'the go command cannot verify it without GONOSUMDB');
      assert.match(result.stdout, /403 Forbidden/);
      assert.match(result.stdout, /is private here and is not looked up in checksum database sum\.test\.example/);
      const direct = await proxy.get(`/sumdb/${db.name}/lookup/example.com/!upper/!case@v0.1.0`);
      assert.equal(direct.status, 403);
      assert.deepEqual(
        db.hits.slice(seen).filter((h) => h.includes('!upper')),
        [],
        'the private path never reached the public database',
      );
    } finally {
      await proxy.close();
    }
  });
});

test('a relayed lookup of a malformed module path is refused with 400 and never reaches the database (a private name inside or not)', async () => {
  const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb, private: 'example.com/Upper', 'private-upstream': up.url });
  try {
    const seen = db.hits.length;
    for (const target of ['example.com./!upper/!case@v0.1.0', '/example.com/!upper/!case@v0.1.0', 'example.com/lib/@v1.0.0', 'example.com/lib//x@v1.0.0']) {
      const r = await proxy.raw(`/sumdb/${db.name}/lookup/${target}`);
      assert.equal(r.status, 400, `${target}: ${r.body}`);
      assert.match(r.body, /^bad request: malformed module path/, target);
    }
    assert.deepEqual(db.hits.slice(seen), [], 'nothing was asked of the database');
  } finally {
    await proxy.close();
  }
});
