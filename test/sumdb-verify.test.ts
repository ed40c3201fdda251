// Verify before caching, against a checksum database the test builds with its own key: good modules
// pass, altered zips and go.mod files and a forked log are refused, nothing bad is cached.
import { after, before, describe, test } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { LocalCoordinator } from '../src/coord/local.js';
import { dataPaths } from '../src/storage/data-dirs.js';
import { trustedHeadKey } from '../src/verify/sumdb-ops.js';
import { startProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

let fixtures: string;
let altered: string;
let up: FakeUpstream;
let db: TestSumdb;

before(async () => {
  fixtures = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), sampleModules());
  // The same modules with different code: what a compromised mirror would serve.
  const evil = sampleModules().map((m) => ({ ...m, versions: m.versions.map((v) => ({ ...v, files: { ...v.files, 'evil.go': 'package lib\n' } })) }));
  altered = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-evil-')), evil);
  up = await startFakeUpstream(fixtures);
  db = await startTestSumdb(fixtures);
});
after(async () => {
  await up.close();
  await db.close();
});

const metric = async (url: string, name: string): Promise<string> =>
  (await (await fetch(`${url}/metrics`)).text())
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n');

describe('verification against a checksum database', () => {
  test('a module the database knows is served, and its proof is checked with tiles', async () => {
    const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb });
    try {
      const zip = await proxy.get('/example.com/lib/@v/v1.0.0.zip');
      assert.equal(zip.status, 200, await zip.clone().text());
      const mod = await proxy.get('/example.com/lib/@v/v1.0.0.mod');
      assert.equal(mod.status, 200);
      assert.ok(
        db.hits.some((h) => h === '/lookup/example.com/lib@v1.0.0'),
        'the zip was looked up',
      );
      assert.ok(
        db.hits.some((h) => h.startsWith('/tile/')),
        'tiles were read to prove inclusion',
      );
      assert.match(await metric(proxy.url, 'gomodproxy_sumdb_verifications_total'), /result="ok"\} 2/);
      // The newest verified tree head is kept on disk (by the coordinator, in the data directory).
      const latest = (await new LocalCoordinator(dataPaths(proxy.dataDir).coord).get(trustedHeadKey(db.name))) ?? '';
      assert.match(latest, /^go\.sum database tree\n\d+\n/);
    } finally {
      await proxy.close();
    }
  });

  for (const kind of ['zip', 'mod'] as const) {
    test(`an altered .${kind} from the upstream is refused with both hashes, quarantined and not cached`, async () => {
      const evilUp = await startFakeUpstream(kind === 'zip' ? altered : fixtures);
      if (kind === 'mod')
        evilUp.faults.set('/example.com/lib/@v/v1.1.0.mod', { kind: 'body', body: 'module example.com/lib\n\nrequire evil.example v1.0.0\n' });
      const proxy = await startProxy({ upstream: evilUp.url, sumdb: db.gosumdb });
      try {
        const res = await proxy.get(`/example.com/lib/@v/v1.1.0.${kind}`);
        const text = await res.text();
        assert.equal(res.status, 502, text);
        assert.equal(res.headers.get('cache-control'), 'no-store');
        assert.match(text, /checksum mismatch\n\tdownloaded: h1:\S+\n\tsum\.test\.example: h1:\S+/);
        assert.equal((await proxy.get(`/cached-only/example.com/lib/@v/v1.1.0.${kind}`)).status, 404, 'nothing was cached');
        const kept = await readdir(path.join(proxy.dataDir, 'quarantine'));
        assert.equal(kept.length, 1);
        assert.match(kept[0] as string, new RegExp(`^example\\.com_lib@v1\\.1\\.0\\.${kind}\\.[0-9a-f]{16}$`));
        assert.match(await metric(proxy.url, 'gomodproxy_sumdb_verifications_total'), /result="mismatch"\} 1/);
        // Asked again (a CI job retrying), the same bad bytes are refused again but kept once: the disk does not fill.
        for (let i = 0; i < 2; i++) {
          const again = await proxy.get(`/example.com/lib/@v/v1.1.0.${kind}`);
          assert.equal(again.status, 502);
          await again.arrayBuffer();
        }
        assert.deepEqual(await readdir(path.join(proxy.dataDir, 'quarantine')), kept);
      } finally {
        await proxy.close();
        await evilUp.close();
      }
    });
  }

  for (const kind of ['mod', 'zip'] as const) {
    test(`the checksum lookup for a .${kind} runs while it downloads, and the fill uses that answer`, async () => {
      const held = await startFakeUpstream(fixtures);
      const from = db.hits.length;
      const lookup = '/lookup/example.com/lib@v1.2.0-rc.1';
      // The upstream answers only once the database was asked: a lookup made after the download would wait here.
      let askedFirst = false;
      held.faults.set(`/example.com/lib/@v/v1.2.0-rc.1.${kind}`, { kind: 'until', ready: () => (askedFirst = db.hits.slice(from).includes(lookup)), ms: 5000 });
      const proxy = await startProxy({ upstream: held.url, sumdb: db.gosumdb });
      try {
        const res = await proxy.get(`/example.com/lib/@v/v1.2.0-rc.1.${kind}`);
        assert.equal(res.status, 200, await res.text());
        assert.equal(askedFirst, true, 'the database was asked before the download ended');
        assert.equal(db.hits.slice(from).filter((h) => h === lookup).length, 1, 'asked once: the check took the answer started early');
        assert.match(await metric(proxy.url, 'gomodproxy_sumdb_verifications_total'), /result="ok"\} 1/);
      } finally {
        await proxy.close();
        await held.close();
      }
    });
  }

  test('a lookup started early is not kept when it failed: a retry asks the database again', async () => {
    // The upstream fails the first request for the go.mod; the database's lookups fail while `down` is set.
    const flaky = await startFakeUpstream(fixtures);
    flaky.faults.set('/example.com/lib/@v/v1.1.0.mod', { kind: 'first', count: 1, fault: { kind: 'status', status: 500 } });
    let down = true;
    const front = createServer((req, res) => {
      if (down && (req.url ?? '').startsWith('/lookup/')) {
        res.writeHead(503).end('down for maintenance');
        return;
      }
      void fetch(`${db.url}${req.url ?? '/'}`).then(async (r) => res.writeHead(r.status).end(Buffer.from(await r.arrayBuffer())));
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const proxy = await startProxy({ upstream: flaky.url, sumdb: `${db.key} http://127.0.0.1:${(front.address() as AddressInfo).port}` });
    try {
      // The download fails, so no check takes the lookup started with it, which fails too.
      const first = await proxy.get('/example.com/lib/@v/v1.1.0.mod');
      assert.notEqual(first.status, 200);
      await first.arrayBuffer();
      const settled = /gomodproxy_sumdb_verify_duration_seconds_count\{db="sum\.test\.example"\} [1-9]/;
      for (let i = 0; !settled.test(await metric(proxy.url, 'gomodproxy_sumdb_verify_duration_seconds_count')); i++) {
        assert.ok(i < 6000, 'the lookup started with the failed download settled');
        await new Promise((r) => setTimeout(r, 10));
      }
      down = false;
      const again = await proxy.get('/example.com/lib/@v/v1.1.0.mod');
      assert.equal(again.status, 200, await again.text());
    } finally {
      await proxy.close();
      await new Promise((r) => front.close(r));
      await flaky.close();
    }
  });

  test('a checksum database that refuses connections: once its circuit opens, fills answer 503 with Retry-After', async () => {
    const gone = await startTestSumdb(fixtures);
    await gone.close();
    const proxy = await startProxy({ upstream: up.url, sumdb: gone.gosumdb, 'breaker-threshold': '2', 'breaker-cooldown': '1h' });
    try {
      // Connection refused: 502 while the circuit breaker counts the failures, then 503 once it is open.
      const first = await proxy.get('/example.com/lib/@v/v1.0.0.zip');
      assert.equal(first.status, 502);
      assert.match(await first.text(), /checksum database sum\.test\.example: .*unreachable/);
      let res = first;
      for (const v of ['v1.1.0', 'v1.2.0-rc.1', 'v1.0.0']) {
        res = await proxy.get(`/example.com/lib/@v/${v}.mod`);
        if (res.status !== 502) break;
        await res.arrayBuffer();
      }
      const text = await res.text();
      assert.equal(res.status, 503, text);
      assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
      assert.match(text, /checksum database sum\.test\.example: .*skipped after repeated failures/);
      const relayed = await proxy.get(`/sumdb/${gone.name}/lookup/example.com/old@v1.0.0`);
      assert.equal(relayed.status, 503, await relayed.text());
      assert.equal((await proxy.get('/cached-only/example.com/lib/@v/v1.2.0-rc.1.zip')).status, 404, 'nothing was cached');
      // Still ready (the cache serves), but degraded, and says which checksum database is skipped.
      const ready = await proxy.get('/readyz');
      assert.equal(ready.status, 200);
      assert.match(
        await ready.text(),
        /^degraded: upstream: checksum database sum\.test\.example: http:\/\/127\.0\.0\.1:\d+ is skipped after repeated failures/,
      );
    } finally {
      await proxy.close();
    }
  });

  test('a checksum database that does not answer in time: the fill answers 504, as for an upstream that times out', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const proxy = await startProxy({ upstream: up.url, sumdb: `${db.key} ${url}`, 'first-byte-timeout': '300ms' });
    try {
      const res = await proxy.get('/example.com/lib/@v/v1.0.0.mod');
      const text = await res.text();
      assert.equal(res.status, 504, text);
      assert.match(text, /^verifying example\.com\/lib@v1\.0\.0\/go\.mod: checksum database sum\.test\.example: .*timed out/);
    } finally {
      await proxy.close();
      silent.closeAllConnections();
      await new Promise((r) => silent.close(r));
    }
  });

  test('a version the database does not know is refused (fail closed), unless the module is private', async () => {
    const proxy = await startProxy({ upstream: up.url, sumdb: `${db.key} ${up.url}/nowhere`, private: 'example.com/Upper/*', 'private-upstream': up.url });
    try {
      const res = await proxy.get('/example.com/lib/@v/v1.0.0.zip');
      assert.equal(res.status, 502);
      assert.match(await res.text(), /not found in checksum database sum\.test\.example/);
      const before = db.hits.length;
      const priv = await proxy.get('/example.com/!upper/!case/@v/v0.1.0.zip');
      assert.equal(priv.status, 200);
      assert.equal(db.hits.length, before, 'a private module name never reaches the database');
    } finally {
      await proxy.close();
    }
  });

  test('a forked log is a security error: refused, recorded, and the database is no longer trusted', async () => {
    const forkable = await startTestSumdb(fixtures);
    // Its own data directory, kept over the restart below (a server removes only one it made itself).
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-fork-'));
    const proxy = await startProxy({ upstream: up.url, sumdb: forkable.gosumdb }, { dataDir });
    let running = true;
    try {
      for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await proxy.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
      await forkable.fork();
      const res = await proxy.get('/example.com/Upper/Case/@v/v0.1.0.zip'.replace('Upper/Case', '!upper/!case'));
      assert.equal(res.status, 502);
      assert.match(await res.text(), /contradicts its own earlier tree/);
      assert.equal((await proxy.get('/cached-only/example.com/!upper/!case/@v/v0.1.0.zip')).status, 404);
      const file = path.join(proxy.dataDir, 'sumdb', forkable.name, 'SECURITY-ERROR');
      assert.match(await readFile(file, 'utf8'), /go\.sum database server misbehavior detected/);
      const again = await proxy.get('/example.com/old/@v/v1.0.0.zip');
      assert.equal(again.status, 502);
      assert.match(await again.text(), /not trusted after a security error/);
      assert.match(await metric(proxy.url, 'gomodproxy_sumdb_security_errors_total'), /\} 1/);
      assert.ok((await stat(file)).isFile());
      // The distrust survives a restart: it is read back from the security file. The first server stops first:
      // two servers in one process on one data directory would share its coordinator's files without its locks.
      running = false;
      await proxy.close();
      const restarted = await startProxy({ upstream: up.url, sumdb: forkable.gosumdb }, { dataDir });
      try {
        const after = await restarted.get('/example.com/old/@v/v1.0.0.zip');
        assert.equal(after.status, 502);
        const text = await after.text();
        assert.match(text, /not trusted after a security error.*run 'gomodproxy sumdb trust sum\.test\.example'/);
        assert.doesNotMatch(text, new RegExp(dataDir), 'no path of the server in an answer');

        // The database serves its true history again, and the operator, having read the report, lifts the
        // distrust as the message says: the running server verifies against it again within seconds.
        forkable.unfork();
        const trust = await cli(['sumdb', 'trust', forkable.name, '--data', dataDir, '--sumdb', forkable.gosumdb]);
        assert.equal(trust.code, 0, trust.stderr);
        assert.match(trust.stdout, /lifted the security error recorded for sum\.test\.example/);
        assert.ok(!existsSync(file), 'the report is kept under a name that says it was lifted');
        assert.equal((await readdir(path.dirname(file))).filter((f) => f.startsWith('SECURITY-ERROR.lifted-')).length, 1);
        await eventually(async () => (await restarted.get('/example.com/old/@v/v1.0.0.zip')).status === 200, 'verifying against the database again');
        const again = await cli(['sumdb', 'trust', forkable.name, '--data', dataDir, '--sumdb', forkable.gosumdb]);
        assert.match(again.stdout, /sum\.test\.example has no security error recorded\n$/);
      } finally {
        await restarted.close();
      }
    } finally {
      if (running) await proxy.close();
      await forkable.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('a log replaced on purpose: after sumdb trust --forget-head the new log is trusted, with no proof of the old one read again', async () => {
    const replaced = await startTestSumdb(fixtures);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-forget-'));
    const flags = { upstream: up.url, sumdb: replaced.gosumdb };
    try {
      let proxy = await startProxy(flags, { dataDir });
      for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await proxy.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
      await proxy.close();
      // The operator replaced the database's log (another history under the same key), stopped the servers and
      // forgot the head trusted so far.
      await replaced.fork();
      const trust = await cli(['sumdb', 'trust', replaced.name, '--forget-head', '--data', dataDir, '--sumdb', replaced.gosumdb]);
      assert.equal(trust.code, 0, trust.stderr);
      assert.match(trust.stdout, /forgot the tree head of sum\.test\.example/);
      proxy = await startProxy(flags, { dataDir });
      try {
        // The go.mod of a version whose lookup was kept from the old log, then versions of the new log.
        for (const p of ['/example.com/lib/@v/v1.0.0.mod', '/example.com/lib/@v/v1.2.0-rc.1.zip', '/example.com/old/@v/v1.0.0.zip']) {
          const res = await proxy.get(p);
          assert.equal(res.status, 200, `${p}: ${await res.text()}`);
          await res.arrayBuffer().catch(() => undefined);
        }
        assert.ok(!existsSync(path.join(dataDir, 'sumdb', replaced.name, 'SECURITY-ERROR')), 'no security error');
      } finally {
        await proxy.close();
      }
    } finally {
      await replaced.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('every version served is recorded in the own checksum database, without a lookup', async () => {
    const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb, 'own-sumdb': 'on' });
    try {
      assert.match(await (await proxy.get('/sumdb-own/latest')).text(), /^go\.sum database tree\n0\n/);
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.zip')).status, 200);
      let latest = '';
      for (let i = 0; i < 600 && !/tree\n1\n/.test(latest); i++) {
        await new Promise((r) => setTimeout(r, 100));
        latest = await (await proxy.get('/sumdb-own/latest')).text();
      }
      assert.match(latest, /^go\.sum database tree\n1\n/);
      const tile = await proxy.get('/sumdb/sum.gomodproxy.local/tile/8/data/000.p/1');
      assert.equal(await tile.text(), (await db.gosum('example.com/lib', 'v1.0.0'))?.toString() + '\n');
    } finally {
      await proxy.close();
    }
  });

  test('a version served just before shutdown is still recorded: close() flushes pending records', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-own-'));
    const flags = { upstream: up.url, sumdb: db.gosumdb, 'own-sumdb': 'on' };
    const first = await startProxy(flags, { dataDir });
    assert.equal((await first.get('/example.com/lib/@v/v1.1.0.zip')).status, 200);
    await first.close();
    const second = await startProxy(flags, { dataDir });
    try {
      assert.match(await (await second.get('/sumdb-own/latest')).text(), /^go\.sum database tree\n1\n/);
      const tile = await (await second.get('/sumdb-own/tile/8/data/000.p/1')).text();
      assert.equal(tile, `${(await db.gosum('example.com/lib', 'v1.1.0'))?.toString()}\n`);
    } finally {
      await second.close();
    }
  });

  test('the relay serves a tile of the trusted tree only as authenticated: a damaged answer from the database is never kept', async () => {
    const fresh = await startTestSumdb(fixtures);
    let damage = false;
    const front = createServer((req, res) => {
      void fetch(`${fresh.url}${req.url ?? '/'}`).then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        const damaged = damage && (req.url ?? '').startsWith('/tile/');
        res.writeHead(r.status).end(damaged ? Buffer.alloc(body.length, 7) : body);
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const proxy = await startProxy({ upstream: up.url, sumdb: `${fresh.key} http://127.0.0.1:${(front.address() as AddressInfo).port}` });
    try {
      // The proxy trusts the tree of these two records, and proved them with its tiles.
      for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await proxy.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
      const want = await fresh.log.tile({ h: 8, l: 0, n: 0, w: 2 });
      // The database now damages its tiles (a bad cache in front of it, say); a go command asks the relay for one.
      damage = true;
      const res = await proxy.get(`/sumdb/${fresh.name}/tile/8/0/000.p/2`);
      assert.equal(res.status, 200);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), want, 'the tile that proves the trusted tree, not the damaged answer');
      damage = false;
      const again = await proxy.get(`/sumdb/${fresh.name}/tile/8/0/000.p/2`);
      assert.deepEqual(Buffer.from(await again.arrayBuffer()), want);
    } finally {
      await proxy.close();
      await new Promise((r) => front.close(r));
      await fresh.close();
    }
  });

  test('the relay passes on a lookup only as proven, also when the proof could not be kept in storage', async () => {
    const fresh = await startTestSumdb(fixtures);
    let tamper = false;
    const front = createServer((req, res) => {
      void fetch(`${fresh.url}${req.url ?? '/'}`).then(async (r) => {
        const body = Buffer.from(await r.arrayBuffer());
        const bad = tamper && (req.url ?? '').startsWith('/lookup/');
        res.writeHead(r.status).end(bad ? Buffer.from(body.toString('utf8').replace(/ h1:./g, ' h1:X')) : body);
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-relay-'));
    // The database's store cannot keep lookups (a file where their folder goes): proofs live in memory only.
    const store = path.join(dataDir, 'sumdb', fresh.name, 'cache');
    await mkdir(store, { recursive: true });
    await writeFile(path.join(store, 'lookup'), 'not a folder\n');
    const proxy = await startProxy({ upstream: up.url, sumdb: `${fresh.key} http://127.0.0.1:${(front.address() as AddressInfo).port}` }, { dataDir });
    try {
      assert.equal((await proxy.get('/example.com/lib/@v/v1.0.0.zip')).status, 200);
      const proven = (await fresh.gosum('example.com/lib', 'v1.0.0'))?.toString() ?? '';
      // The database now answers lookups with other hashes: a go command asking the relay gets the proven record.
      tamper = true;
      const res = await proxy.get(`/sumdb/${fresh.name}/lookup/example.com/lib@v1.0.0`);
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.equal(`${text.split('\n\n')[0]?.split('\n').slice(1).join('\n')}\n`, proven);
    } finally {
      await proxy.close();
      await new Promise((r) => front.close(r));
      await fresh.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('checksum database paths with traversal, control bytes or bad syntax get 400; unknown databases 404', async () => {
    const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb, 'own-sumdb': 'on' });
    try {
      const own = '/sumdb/sum.gomodproxy.local';
      const cases: Array<[string, number]> = [
        [`${own}/supported`, 200],
        [`/sumdb/${db.name}/supported`, 200],
        ['/sumdb/sum.other.example/supported', 404],
        [`${own}/lookup/%00`, 400],
        [`${own}/%2e%2e/%2e%2e/etc/passwd`, 400],
        [`${own}/lookup/a%2Fb@v1.0.0`, 400],
        [`${own}/lookup/bad`, 400],
        [`${own}/tile/8/0/x`, 400],
        ['/sumdb-own/lookup/%00', 400],
      ];
      for (const [p, status] of cases) assert.equal((await proxy.raw(p)).status, status, p);
      const head = await fetch(`${proxy.url}${own}/latest`, { method: 'HEAD' });
      assert.equal(head.status, 200);
    } finally {
      await proxy.close();
    }
  });
});
