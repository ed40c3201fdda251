// Tests for the checksum-database client against the in-memory server log, replaying Go's x/mod client
// (same fetches, cache writes and misbehaviour reports) and probing forks, rollbacks and bad servers.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GmpError } from '../errors.js';
import { SecurityError } from './client-ops.js';
import { SumdbClient } from './client.js';
import { MemoryLogStorage } from './log-storage.js';
import { generateKey } from './note-keys.js';
import { serveSumdbPath } from './server-dispatch.js';
import { ServerLog } from './server-log.js';
import { gosum, MemoryOps } from './testdata/memory-ops.js';
import { PN_SIGNER, PN_VERIFIER, vectors } from './testdata/vectors.js';

const C = vectors.client;
const newLog = () => new ServerLog(new MemoryLogStorage(), PN_SIGNER, { gosum });
const mod = (i: number) => `example.com/Mod${i}`;
const isSecurity = (e: unknown) => e instanceof SecurityError && e instanceof GmpError && e.status === 502;

async function lookups(client: SumdbClient, n: number) {
  for (let i = 0; i < n; i++) await client.lookup(mod(i), 'v1.0.0');
}

/**
 * A client that trusted five records of one log, now talking to a server that signs a log sharing only the
 * first `shared` of them.
 */
async function forked(shared = 4) {
  const a = newLog();
  const b = newLog();
  for (let i = 0; i < shared; i++) await b.lookup(mod(i), 'v1.0.0');
  for (let i = shared; i < 6; i++) await b.lookup('example.com/other', `v1.0.${i}`);
  const ops = new MemoryOps(a, PN_VERIFIER);
  const client = new SumdbClient(ops, { tileHeight: 2 });
  await lookups(client, 5);
  ops.remote = b;
  return { ops, client };
}

describe('client against Go', () => {
  test('each lookup fetches, caches and returns exactly what Go’s client does', async () => {
    const ops = new MemoryOps(newLog(), PN_VERIFIER);
    let client = new SumdbClient(ops, { tileHeight: 2 });
    for (const s of C.steps) {
      if (s.fresh) client = new SumdbClient(ops, { tileHeight: 2 });
      const lines = await client.lookup(s.path, s.version);
      const what = `${s.path} ${s.version}`;
      assert.deepEqual(lines, s.lines, what);
      assert.deepEqual(ops.take(), { reads: s.reads ?? [], writes: s.writes ?? [] }, what);
    }
    assert.equal(ops.config.get('PeterNeumann/latest')?.toString(), C.latest);
  });

  test('a fork (same key, diverging logs) raises SecurityError with Go’s exact report', async () => {
    const { ops, client } = await forked();
    const err = await client.lookup('example.com/other', 'v1.0.5').catch((e: unknown) => e);
    assert.ok(isSecurity(err));
    assert.equal((err as SecurityError).message, 'security error: misbehaving server (checksum database PeterNeumann)');
    assert.equal((err as SecurityError).report, C.fork.messages[0]);
    assert.deepEqual(ops.security, C.fork.messages);
  });

  test('a rollback to a different shorter log raises SecurityError with Go’s exact report', async () => {
    const a = newLog();
    const b = newLog();
    await b.lookup(mod(0), 'v1.0.0');
    await b.lookup(mod(1), 'v1.0.0');
    await b.lookup('example.com/other', 'v1.0.2');
    const ops = new MemoryOps(a, PN_VERIFIER);
    await lookups(new SumdbClient(ops, { tileHeight: 2 }), 5);
    ops.remote = b;
    const err = await new SumdbClient(ops, { tileHeight: 2 }).lookup('example.com/other', 'v1.0.2').catch((e: unknown) => e);
    assert.ok(isSecurity(err));
    assert.deepEqual(ops.security, C.rollback.messages);
  });
});

describe('client against misbehaving servers', () => {
  test('a fork whose tiles clash with cached ones is still proven, where Go 1.19 only reports a bad tile', async () => {
    const { ops, client } = await forked(2);
    await assert.rejects(client.lookup('example.com/other', 'v1.0.2'), isSecurity);
    assert.match(ops.security[0] ?? '', /^SECURITY ERROR\ngo\.sum database server misbehavior detected!\n\nold database:\n\tgo\.sum database tree\n\t5\n/);
    // The cached tiles of the trusted timeline were not overwritten by the fork's: they still verify offline.
    ops.intercept = async (path) => {
      throw new Error(`offline: ${path}`);
    };
    assert.equal((await new SumdbClient(ops, { tileHeight: 2 }).lookup(mod(1), 'v1.0.0')).length, 1);
  });

  test('tiles of a forked tree are never kept: once the server serves its true log again, its records verify', async () => {
    const honest = newLog();
    const fork = newLog();
    await fork.lookup('example.com/other', 'v1.0.0');
    await fork.lookup('example.com/other', 'v1.0.1');
    const ops = new MemoryOps(honest, PN_VERIFIER);
    const client = new SumdbClient(ops, { tileHeight: 2 });
    await lookups(client, 1);
    // The fork's tiles clash with none cached: they authenticate its own signed tree, which then fails to extend ours.
    ops.remote = fork;
    await assert.rejects(client.lookup('example.com/other', 'v1.0.1'), isSecurity);
    // The operator has the server fixed; the true log grows to the fork's size, so it serves the tiles the fork did.
    ops.remote = honest;
    await honest.lookup(mod(1), 'v1.0.0');
    for (const c of [client, new SumdbClient(ops, { tileHeight: 2 })]) {
      for (let i = 0; i < 2; i++) assert.equal((await c.lookup(mod(i), 'v1.0.0')).length, 1, `record ${i}`);
    }
  });

  test('the default tile height detects a fork in a log of several hundred records', async () => {
    const a = newLog();
    const b = newLog();
    for (let i = 0; i < 300; i++) await a.lookup(mod(i), 'v1.0.0');
    for (let i = 0; i < 299; i++) await b.lookup(mod(i), 'v1.0.0');
    await b.lookup('example.com/evil', 'v1.0.0');
    await b.lookup('example.com/evil', 'v1.0.1');
    const ops = new MemoryOps(a, PN_VERIFIER);
    const client = new SumdbClient(ops);
    assert.deepEqual(await client.lookup(mod(299), 'v1.0.0/go.mod'), [(await gosum(mod(299), 'v1.0.0')).toString().split('\n')[1]]);
    assert.equal((await client.latest()).tree.n, 300);
    ops.remote = b;
    await assert.rejects(client.lookup('example.com/evil', 'v1.0.1'), isSecurity);
  });

  test('a record that is not the one in the log is refused, not cached, and not a security error', async () => {
    const ops = new MemoryOps(newLog(), PN_VERIFIER);
    ops.intercept = async (path, body) => (path.startsWith('/lookup/') ? Buffer.from((await body()).toString().replace('h1:', 'h1:X')) : body());
    const err = await new SumdbClient(ops).lookup(mod(0), 'v1.0.0').catch((e: unknown) => e);
    assert.ok(err instanceof GmpError && err.code === 'GMP_ERR_SUMDB' && !(err instanceof SecurityError));
    assert.match(err.message, /cannot authenticate record data in server response/);
    assert.equal([...ops.cache.keys()].filter((k) => k.includes('/lookup/')).length, 0);
  });

  test('a lookup answered with the record of another module version is refused and kept nowhere, so the version verifies once the server answers right', async () => {
    const log = newLog();
    await log.lookup(mod(0), 'v1.0.0');
    const ops = new MemoryOps(log, PN_VERIFIER);
    const other = `/lookup/example.com/!mod0@v1.0.0`;
    ops.intercept = async (path, body) => (path === '/lookup/example.com/!mod1@v1.0.0' ? (await serveSumdbPath(log, other)).body : body());
    const client = new SumdbClient(ops);
    const err = await client.lookup(mod(1), 'v1.0.0').catch((e: unknown) => e);
    assert.ok(err instanceof GmpError && err.code === 'GMP_ERR_SUMDB', String(err));
    assert.match(err.message, /example\.com\/Mod1@v1\.0\.0: .*record of other module versions/);
    assert.equal(ops.cache.has('PeterNeumann/lookup/example.com/!mod1@v1.0.0'), false, 'not cached');
    ops.intercept = undefined;
    for (const c of [client, new SumdbClient(ops)]) {
      assert.match((await c.lookup(mod(1), 'v1.0.0/go.mod'))[0] ?? '', /^example\.com\/Mod1 v1\.0\.0\/go\.mod h1:/);
    }
    // A record kept by an earlier release under the wrong name is not trusted either: it is asked for again.
    ops.cache.set('PeterNeumann/lookup/example.com/!mod2@v1.0.0', (await serveSumdbPath(log, other)).body);
    assert.equal((await new SumdbClient(ops).lookup(mod(2), 'v1.0.0')).length, 1);
  });

  test('a tree note signed only by another key, or with a damaged signature, is refused', async () => {
    const impostor = new ServerLog(new MemoryLogStorage(), generateKey('PeterNeumann').signerKey, { gosum });
    await assert.rejects(
      new SumdbClient(new MemoryOps(impostor, PN_VERIFIER)).lookup(mod(0), 'v1.0.0'),
      /reading tree note: note has no verifiable signatures/,
    );
    const ops = new MemoryOps(newLog(), PN_VERIFIER);
    const damage = (b: Buffer) => {
      const s = b.toString();
      const i = s.indexOf('— PeterNeumann ') + '— PeterNeumann '.length + 30;
      return Buffer.from(s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1));
    };
    ops.intercept = async (path, body) => (path.startsWith('/lookup/') ? damage(await body()) : body());
    await assert.rejects(new SumdbClient(ops).lookup(mod(0), 'v1.0.0'), /reading tree note: invalid signature for key PeterNeumann\+c74f20a3/);
  });

  test('every failure names the database: a note signed by another key, a bad verifier key, a damaged tile', async () => {
    const impostor = new ServerLog(new MemoryLogStorage(), generateKey('PeterNeumann').signerKey, { gosum });
    await assert.rejects(
      new SumdbClient(new MemoryOps(impostor, PN_VERIFIER)).lookup(mod(0), 'v1.0.0'),
      /^GmpError: checksum database PeterNeumann: example\.com\/Mod0@v1\.0\.0: reading tree note: /,
    );
    // Named as configured, even when the key to read the name from is the problem.
    const badKey = new MemoryOps(newLog(), 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
    await assert.rejects(
      new SumdbClient(badKey, { name: 'sum.example.org' }).lookup(mod(0), 'v1.0.0'),
      /^GmpError: checksum database sum\.example\.org: example\.com\/Mod0@v1\.0\.0: initializing sumdb\.Client: /,
    );
    await assert.rejects(new SumdbClient(badKey, { name: 'sum.example.org' }).latest(), /^GmpError: checksum database sum\.example\.org: latest: initializing/);
    const log = newLog();
    for (let i = 0; i < 4; i++) await log.lookup(mod(i), 'v1.0.0');
    const ops = new MemoryOps(log, PN_VERIFIER);
    await new SumdbClient(ops, { tileHeight: 2 }).lookup(mod(3), 'v1.0.0');
    // A new client trusts the saved head and holds no tiles: the damaged one comes from the server.
    const client = new SumdbClient(ops, { tileHeight: 2, name: 'sum.example.org' });
    ops.cache.clear();
    ops.intercept = async (path, body) => (path.startsWith('/tile/') ? Buffer.alloc((await body()).length, 7) : body());
    const err = await client.tile({ h: 2, l: 0, n: 0, w: 4 }).catch((e: unknown) => e);
    assert.ok(err instanceof GmpError && err.code === 'GMP_ERR_SUMDB', String(err));
    assert.match(err.message, /^checksum database sum\.example\.org: tile\/2\/0\/000: /);
  });

  test('a partial tile the server no longer has is read from the full tile', async () => {
    const log = newLog();
    const stale = new MemoryOps(log, PN_VERIFIER);
    for (let i = 0; i < 3; i++) await log.lookup(mod(i), 'v1.0.0');
    const oldBody = await stale.readRemote(`/lookup/example.com/!mod0@v1.0.0`);
    await log.lookup(mod(3), 'v1.0.0');
    const ops = new MemoryOps(log, PN_VERIFIER);
    ops.config.set('PeterNeumann/latest', oldBody.subarray(oldBody.indexOf('go.sum database tree')));
    ops.intercept = async (path, body) => {
      if (path.includes('.p/')) throw new GmpError('GMP_ERR_NOT_FOUND', 'partial tiles are gone');
      return path.startsWith('/lookup/') ? oldBody : body();
    };
    assert.equal((await new SumdbClient(ops, { tileHeight: 2 }).lookup(mod(0), 'v1.0.0')).length, 1);
    assert.deepEqual(ops.take().reads, ['/lookup/example.com/!mod0@v1.0.0', '/tile/2/0/000', '/tile/2/0/000.p/3']);
    assert.ok(ops.cache.has('PeterNeumann/tile/2/0/000.p/3'));
  });
});

describe('client state', () => {
  test('a newer head saved meanwhile by another process is merged instead of overwritten', async () => {
    const log = newLog();
    const ops = new MemoryOps(log, PN_VERIFIER);
    const client = new SumdbClient(ops, { tileHeight: 2 });
    await client.lookup(mod(0), 'v1.0.0');
    for (let i = 1; i < 7; i++) await log.lookup(mod(i), 'v1.0.0');
    const size7 = await ops.readRemote('/lookup/example.com/!mod2@v1.0.0');
    await log.lookup(mod(7), 'v1.0.0');
    const size8 = await log.signedTree();
    // The server still answers with the size-7 head while another process has already saved size 8.
    ops.intercept = async (path, body) => (path.startsWith('/lookup/') ? size7 : body());
    const cas = ops.writeConfig.bind(ops);
    let writes = 0;
    ops.writeConfig = async (file, old, next) => {
      if (writes++ === 0) ops.config.set(file, size8);
      return cas(file, old, next);
    };
    await client.lookup(mod(2), 'v1.0.0');
    assert.equal(writes, 1);
    assert.equal((await client.latest()).tree.n, 8);
    assert.deepEqual(ops.config.get('PeterNeumann/latest'), size8);
  });

  test('concurrent lookups of one version share a single fetch', async () => {
    const ops = new MemoryOps(newLog(), PN_VERIFIER);
    await ops.remote.lookup(mod(0), 'v1.0.0');
    const client = new SumdbClient(ops);
    const [zip, gomod] = await Promise.all([client.lookup(mod(0), 'v1.0.0'), client.lookup(mod(0), 'v1.0.0/go.mod')]);
    assert.equal(zip.length, 1);
    assert.match(gomod[0] ?? '', /^example\.com\/Mod0 v1\.0\.0\/go\.mod h1:/);
    assert.equal(ops.reads.filter((r) => r.startsWith('/lookup/')).length, 1);
  });

  test('a record proven once is answered from memory, for the zip and the go.mod, without the cache or the server', async () => {
    const ops = new MemoryOps(newLog(), PN_VERIFIER);
    await ops.remote.lookup(mod(0), 'v1.0.0');
    const client = new SumdbClient(ops);
    const zip = await client.lookup(mod(0), 'v1.0.0');
    ops.cache.clear();
    ops.intercept = async (path) => {
      throw new Error(`failed ${path}`);
    };
    assert.deepEqual(await client.lookup(mod(0), 'v1.0.0'), zip);
    assert.match((await client.lookup(mod(0), 'v1.0.0/go.mod'))[0] ?? '', /^example\.com\/Mod0 v1\.0\.0\/go\.mod h1:/);
    await assert.rejects(client.lookup(mod(1), 'v1.0.0'), /failed \/lookup\/example\.com\/!mod1@v1\.0\.0/);
  });

  test('once the server is caught contradicting itself, records proven before are proven again', async () => {
    const { ops, client } = await forked();
    assert.ok(isSecurity(await client.lookup('example.com/other', 'v1.0.5').catch((e: unknown) => e)));
    ops.cache.clear();
    await assert.rejects(client.lookup(mod(0), 'v1.0.0'));
  });

  test('a bad verifier key fails the lookup and is read again on the next one', async () => {
    const ops = new MemoryOps(newLog(), 'PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW');
    const client = new SumdbClient(ops);
    await assert.rejects(client.lookup(mod(0), 'v1.0.0'), /initializing sumdb.Client: invalid verifier hash/);
    ops.config.set('key', Buffer.from(`${PN_VERIFIER}\n`));
    assert.equal((await client.lookup(mod(0), 'v1.0.0')).length, 1);
  });
});
