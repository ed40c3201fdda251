// A coordinator kept with a new or wiped storage is found at start: replicas on an S3 bucket prefix and a
// PostgreSQL record what they stored in the own checksum database and the index feed; started again on
// another (empty) prefix with the same PostgreSQL, `serve` refuses (exit 1, one line that says what is wrong
// and what to do) instead of serving and failing later with missing log pages. Back on its own storage it
// starts; `gomodproxy storage adopt` lets the coordinator take the new storage, and both logs start over there.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { S3Store } from '../src/storage/s3-store.js';
import { cliArgv } from './helpers/cli-entry.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { goDownload, goEnv } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { privatePostgres } from './helpers/postgres.js';
import type { PrivatePostgres } from './helpers/postgres.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import { service } from './helpers/services.js';

const s3 = await service('s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'GMP_TEST_S3_BUCKET']);
const awsEnv = Object.fromEntries(Object.entries(s3).filter(([k]) => k.startsWith('AWS_')));
Object.assign(process.env, awsEnv);

let root: string;
let pg: PrivatePostgres;
let up: FakeUpstream;
const run = randomBytes(4).toString('hex');
const storageA = `s3://${s3.GMP_TEST_S3_BUCKET}/identity-${run}-a`;
const storageB = `s3://${s3.GMP_TEST_S3_BUCKET}/identity-${run}-b`;

const flags = (storage: string, workers: string): Record<string, string> => ({
  data: path.join(root, 'data'),
  storage,
  's3-force-path-style': 'on',
  coordinator: pg.url,
  upstream: up.url,
  sumdb: 'off',
  'index-settle': '100ms',
  'read-ahead': '0',
  workers,
});

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-identity-'));
  pg = await privatePostgres();
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), sampleModules()));
});

after(async () => {
  await up?.close();
  await pg?.destroy();
  for (const storage of [storageA, storageB]) {
    const store = new S3Store(storage, { forcePathStyle: true });
    for (let page = await store.list(''); page.keys.length > 0; page = await store.list('')) for (const k of page.keys) await store.delete(k);
    await store.close();
  }
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

async function keysOf(storage: string): Promise<string[]> {
  const store = new S3Store(storage, { forcePathStyle: true });
  try {
    return (await store.list('')).keys;
  } finally {
    await store.close();
  }
}

/** The versions the index feed lists, and the own checksum database's tree size. */
async function recorded(url: string): Promise<{ index: string[]; tree: number }> {
  const index = (await (await fetch(`${url}/index`)).text())
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const e = JSON.parse(l) as { Path: string; Version: string };
      return `${e.Path}@${e.Version}`;
    });
  const latest = await (await fetch(`${url}/sumdb-own/latest`)).text();
  return { index, tree: Number(latest.split('\n')[1]) };
}

async function download(url: string, module: string): Promise<void> {
  const { result } = await goDownload(await goEnv(url), [module]);
  assert.equal(result.code, 0, result.stderr);
}

function adopt(storage: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = [...cliArgv(), 'storage', 'adopt'];
  for (const [k, v] of Object.entries(flags(storage, '1'))) if (k !== 'workers') args.push(`--${k}`, v);
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env: { ...process.env, ...awsEnv } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), stdout, stderr });
    });
  });
}

test('a coordinator kept with a new storage is refused at start, its own storage is served, and storage adopt makes it take the new one', {
  timeout: 300_000,
}, async () => {
  let proxy = await startProxyProcess(flags(storageA, '1'), awsEnv);
  await download(proxy.url, 'example.com/lib@v1.0.0');
  await eventually(async () => {
    const r = await recorded(proxy.url);
    return r.index.includes('example.com/lib@v1.0.0') && r.tree >= 1;
  }, 'the own checksum database and the index feed record the version');
  assert.equal(await proxy.stop(), 0);

  // The same PostgreSQL with an empty prefix: refused by the primary of --workers 2 and by a single process alike.
  for (const workers of ['2', '1']) {
    const refused = await startProxyProcess(flags(storageB, workers), awsEnv).then(
      async (p) => {
        await p.stop();
        return undefined;
      },
      (err: unknown) => (err as Error).message,
    );
    assert.ok(refused !== undefined, `--workers ${workers}: started on a storage that is not its coordinator's`);
    assert.match(refused, /^gomodproxy exited \(1\) before listening/);
    assert.match(
      refused,
      /gomodproxy: cannot start: the storage and the coordinator do not belong together: the coordinator belongs to storage \S+, but the storage s3:\/\/\S+-b has no identity: it is a new or wiped storage/,
    );
    assert.match(refused, /restore it, or correct --storage or --data\), or keep this storage .* run 'gomodproxy storage adopt' with the same settings/);
  }
  assert.deepEqual(await keysOf(storageB), [], 'a refused start wrote into the storage');

  // Back on its own storage: it starts, with what it recorded.
  proxy = await startProxyProcess(flags(storageA, '1'), awsEnv);
  assert.ok((await recorded(proxy.url)).index.includes('example.com/lib@v1.0.0'));
  assert.equal(await proxy.stop(), 0);

  const adopted = await adopt(storageB);
  assert.equal(adopted.code, 0, adopted.stderr);
  assert.match(
    adopted.stdout,
    /the coordinator now belongs to storage \S+ \(s3:\/\/\S+-b\); it forgot the logs of the own checksum database \(\S+\) and the index feed/,
  );
  assert.match((await adopt(storageB)).stdout, /belong together \(storage \S+\): nothing to do/);

  proxy = await startProxyProcess(flags(storageB, '2'), awsEnv);
  assert.deepEqual(await recorded(proxy.url), { index: [], tree: 0 });
  await download(proxy.url, 'example.com/lib@v1.1.0');
  await eventually(async () => {
    const r = await recorded(proxy.url);
    return r.index.includes('example.com/lib@v1.1.0') && r.tree >= 1;
  }, 'the logs start over on the adopted storage');
  assert.equal(await proxy.stop(), 0);

  // The old storage is now the other one.
  await assert.rejects(startProxyProcess(flags(storageA, '1'), awsEnv), /the coordinator belongs to storage \S+, but the storage s3:\/\/\S+-a is storage \S+/);
});

test('with the local coordinator under --data and a --storage directory, a wiped directory is refused by the primary of --workers 2, and its restored copy starts', {
  timeout: 300_000,
}, async () => {
  const data = path.join(root, 'local-data');
  const shared = path.join(root, 'local-shared');
  const local = (workers: string) => ({ data, storage: `fs:${shared}`, upstream: up.url, sumdb: 'off', 'index-settle': '100ms', 'read-ahead': '0', workers });
  let proxy = await startProxyProcess(local('1'));
  assert.equal((await fetch(`${proxy.url}/example.com/lib/@v/v1.0.0.zip`)).status, 200);
  await eventually(async () => {
    const r = await recorded(proxy.url);
    return r.index.includes('example.com/lib@v1.0.0') && r.tree >= 1;
  }, 'the own checksum database and the index feed record the version');
  assert.equal(await proxy.stop(), 0);

  await rename(shared, `${shared}.kept`);
  await assert.rejects(
    startProxyProcess(local('2')),
    /gomodproxy exited \(1\) before listening[\s\S]*cannot start: the storage and the coordinator do not belong together: the coordinator belongs to storage \S+, but the storage fs:\S+local-shared has no identity/,
  );
  await rm(shared, { recursive: true, force: true });
  await rename(`${shared}.kept`, shared);
  proxy = await startProxyProcess(local('2'));
  assert.ok((await recorded(proxy.url)).index.includes('example.com/lib@v1.0.0'));
  assert.equal(await proxy.stop(), 0);
});

test('replicas that each keep their storage under their own --data cannot share one coordinator: the second is told to share one --storage', {
  timeout: 120_000,
}, async () => {
  const own = await privatePostgres();
  try {
    const replica = (n: string) => ({
      data: path.join(root, `own-${n}`),
      coordinator: own.url,
      upstream: up.url,
      sumdb: 'off',
      'read-ahead': '0',
      workers: '1',
    });
    const first = await startProxyProcess(replica('1'));
    try {
      await assert.rejects(
        startProxyProcess(replica('2')),
        /cannot start: the storage and the coordinator do not belong together: the coordinator belongs to storage \S+, but the storage \S+own-2\S* has no identity[\s\S]*Replicas on one coordinator must share one --storage/,
      );
    } finally {
      assert.equal(await first.stop(), 0);
    }
  } finally {
    await own.destroy();
  }
});
