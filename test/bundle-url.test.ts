// `bundle import --url` into a running proxy process (workers and all), with private modules carrying the
// exporting proxy's own checksum-database proofs: B trusts A's own key (--bundle-trust), refuses a tampered
// or forged bundle with nothing stored, refuses callers that are not admins, and the go command then builds
// through B with the upstream and every checksum database gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { dataPaths } from '../src/storage/data-dirs.js';
import { filesUnder, flip, rewriteBundle } from './helpers/bundle-files.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { goEnv, runGo } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { ownSumdbKey } from './helpers/own-sumdb-key.js';
import { startProxy } from './helpers/proxy.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { startTestSumdb } from './helpers/test-sumdb.js';

const PRIVATE = 'example.com/Upper';
const OWN = 'sum.gomodproxy.local';
const API = '/api/v1/admin/bundles';

let tmp: string;
let bundle: string;
let gosum: string;
let aKey: string;
let testDb: { key: string; gosumdb: string };
let b: ProxyProcess;
let dataB: string;

const bFlags = () => ({ upstream: 'off', sumdb: testDb.gosumdb, private: PRIVATE, 'own-sumdb': 'on', 'bundle-trust': aKey, workers: '2' });

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-url-'));
  const fixtures = await writeGoproxyDir(path.join(tmp, 'up'), sampleModules());
  const up = await startFakeUpstream(fixtures);
  const db = await startTestSumdb(fixtures);
  testDb = { key: db.key, gosumdb: db.gosumdb };
  gosum = path.join(tmp, 'go.sum');
  await writeFile(
    gosum,
    Buffer.concat([(await db.gosum('example.com/lib', 'v1.0.0')) as Buffer, (await db.gosum('example.com/Upper/Case', 'v0.1.0')) as Buffer]),
  );
  bundle = path.join(tmp, 'modules.tar.gz');
  const a = await startProxy({ upstream: up.url, sumdb: db.gosumdb, private: PRIVATE, 'private-upstream': up.url, 'own-sumdb': 'on' });
  try {
    aKey = await ownSumdbKey(a.dataDir);
    const exp = await cli([
      'bundle',
      'export',
      '--from',
      gosum,
      '--url',
      a.url,
      '-o',
      bundle,
      '--data',
      path.join(tmp, 'unused'),
      '--sumdb',
      db.gosumdb,
      '--private',
      PRIVATE,
    ]);
    assert.equal(exp.code, 0, exp.stderr + exp.stdout);
    // The public module with the test database's proof, the private one with A's own database's.
    assert.match(exp.stdout, /2 module versions; proofs from sum\.test\.example \(tree \d+\), sum\.gomodproxy\.local \(tree \d+\)/);
  } finally {
    await a.close();
    // From here on nothing upstream exists: B must do with the bundle.
    await up.close();
    await db.close();
  }
  dataB = path.join(tmp, 'b');
  b = await startProxyProcess({ data: dataB, ...bFlags() });
});
after(async () => {
  await b?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const rewrite = (edit: (name: string, data: Buffer) => Buffer | undefined) => rewriteBundle(bundle, tmp, edit);

/** Drops A's own database from the bundle (its entries and its manifest line); stripProofs: also the modules' claims to it. */
const withoutOwnDb =
  (stripProofs: boolean) =>
  (n: string, d: Buffer): Buffer | undefined => {
    if (n.startsWith(`sumdb/${OWN}/`)) return undefined;
    if (n !== 'gomodproxy-bundle.json') return d;
    const m = JSON.parse(d.toString()) as { databases: Array<{ name: string }>; modules: Array<{ proofs: string[] }> };
    m.databases = m.databases.filter((x) => x.name !== OWN);
    if (stripProofs) for (const x of m.modules) x.proofs = x.proofs.filter((p) => p !== OWN);
    return Buffer.from(JSON.stringify(m));
  };

async function assertBStoredNothing(): Promise<void> {
  const p = dataPaths(dataB);
  assert.deepEqual(await filesUnder(p.cache), []);
  assert.deepEqual(await filesUnder(p.content), []);
  assert.deepEqual(await filesUnder(p.sumdbCache(OWN)), []);
  assert.equal((await request(`${b.url}/example.com/lib/@v/v1.0.0.info`)).statusCode, 404);
}

test('a tampered bundle sent with --url is refused with the entry named, and the running proxy stores nothing', async () => {
  const cases: Array<[string, (n: string, d: Buffer) => Buffer | undefined, RegExp]> = [
    [
      "the private module's proof stripped",
      withoutOwnDb(true),
      /gomodproxy-bundle\.json: example\.com\/Upper\/Case@v0\.1\.0 is private and comes without a proof from a trusted own checksum database/,
    ],
    [
      'a proof claimed from a database the bundle does not list',
      withoutOwnDb(false),
      /claims a proof from sum\.gomodproxy\.local, a database the bundle does not list/,
    ],
    [
      'a flipped zip byte',
      (n, d) => (n === 'cache/example.com/lib/@v/v1.0.0.zip' ? flip(d, Math.floor(d.length / 2)) : d),
      /cache\/example\.com\/lib\/@v\/v1\.0\.0\.zip/,
    ],
    [
      "a forged record of the private module in A's own database",
      (n, d) => (n.startsWith(`sumdb/${OWN}/lookup/`) ? Buffer.from(d.toString().replace(/h1:./, (m) => (m === 'h1:A' ? 'h1:B' : 'h1:A'))) : d),
      /sumdb\/sum\.gomodproxy\.local\/lookup\/example\.com\/!upper\/!case@v0\.1\.0: the (proof does not hold|database records another)/,
    ],
    [
      "a forged signature on A's own tree head",
      (n, d) => (n === `sumdb/${OWN}/latest` ? flip(d, d.length - 10) : d),
      /sumdb\/sum\.gomodproxy\.local\/latest: not a tree head signed/,
    ],
  ];
  for (const [what, edit, entry] of cases) {
    const r = await cli(['bundle', 'import', await rewrite(edit), '--url', b.url]);
    assert.equal(r.code, 1, `${what}: ${r.stdout}`);
    assert.match(r.stderr, /refused, nothing stored: bundle entry /, what);
    assert.match(r.stderr, entry, what);
    await assertBStoredNothing();
  }
});

test("a proxy that does not trust the exporter's own database key refuses its private proofs", async () => {
  const flags = ['--upstream', 'off', '--sumdb', testDb.gosumdb, '--private', PRIVATE, '--log-level', 'silent'];
  const r = await cli(['bundle', 'import', bundle, '--data', path.join(tmp, 'untrusting'), ...flags]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /proofs from checksum database sum\.gomodproxy\.local, which this proxy .* does not trust \(--bundle-trust/);
});

test('a proxy that trusts the exporter but does not name the module --private refuses it, and says to', async () => {
  // Without --private here the module is public, so it needs the public database's proof: the exporter's own
  // database may vouch only for what this proxy too calls private.
  const flags = ['--upstream', 'off', '--sumdb', testDb.gosumdb, '--bundle-trust', aKey, '--log-level', 'silent'];
  const r = await cli(['bundle', 'import', bundle, '--data', path.join(tmp, 'not-private'), ...flags]);
  assert.equal(r.code, 1, r.stdout);
  assert.match(
    r.stderr,
    /example\.com\/Upper\/Case@v0\.1\.0 comes without a proof from checksum database sum\.test\.example \(only sum\.gomodproxy\.local vouches for it: if it is a private module, give it in --private here too\)/,
  );
});

test('a request that is not a direct loopback one (no admin token, --auth off) is refused with 403 and stores nothing', async () => {
  const res = await request(b.url + API, { method: 'POST', headers: { 'x-forwarded-for': '203.0.113.9' }, body: await readFile(bundle) });
  assert.equal(res.statusCode, 403);
  assert.match(await res.body.text(), /admin actions need a request made on this machine straight to gomodproxy/);
  await assertBStoredNothing();
});

test('bundle import --url imports into the running proxy, again is a no-op, and go builds through it with nothing upstream', async () => {
  const imp = await cli(['bundle', 'import', bundle, '--url', b.url]);
  assert.equal(imp.code, 0, imp.stderr + imp.stdout);
  assert.match(imp.stdout, /2 module versions \(2 new, 0 already stored\)/);
  const again = await cli(['bundle', 'import', bundle, '--url', b.url]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /\(0 new, 2 already stored\)/);
  // The summary logged names no module (a private path must not reach the logs).
  assert.ok(b.logs.some((l) => l.includes('imported a bundle')));
  assert.ok(!b.logs.some((l) => l.includes('Upper')));

  const dir = await mkdtemp(path.join(tmp, 'app-'));
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/lib v1.0.0\n\texample.com/Upper/Case v0.1.0\n)\n');
  await writeFile(
    path.join(dir, 'main.go'),
    'package main\n\nimport (\n\t"example.com/lib"\n\tupper "example.com/Upper/Case"\n)\n\nfunc main() { println(lib.Hello(), upper.Name) }\n',
  );
  // As the README tells the air-gapped user: B's own database's GOSUMDB line covers the private module
  // (B recorded it after A's proof verified) and the public one; GOPRIVATE stays empty so both are checked.
  const own = `${await ownSumdbKey(dataB)} ${b.url}/sumdb/${OWN}`;
  const built = await runGo(['build', '-o', 'app', '.'], dir, await goEnv(b.url, { GOSUMDB: own, GOFLAGS: '-modcacherw -mod=mod' }));
  assert.equal(built.code, 0, built.stderr);
  assert.equal(
    (await readFile(path.join(dir, 'go.sum'), 'utf8')).trim().split('\n').sort().join('\n'),
    (await readFile(gosum, 'utf8')).trim().split('\n').sort().join('\n'),
  );
  // The public module also verifies with the test database's own key, through B's relay.
  const pub = await mkdtemp(path.join(tmp, 'pub-'));
  await writeFile(path.join(pub, 'go.mod'), 'module example.com/app\n\ngo 1.19\n\nrequire example.com/lib v1.0.0\n');
  await writeFile(path.join(pub, 'main.go'), 'package main\n\nimport "example.com/lib"\n\nfunc main() { println(lib.Hello()) }\n');
  const built2 = await runGo(['build', '-o', 'app', '.'], pub, await goEnv(b.url, { GOSUMDB: testDb.key, GOFLAGS: '-modcacherw -mod=mod' }));
  assert.equal(built2.code, 0, built2.stderr);
});
