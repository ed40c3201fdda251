// The S3 backend against a real S3-compatible store (Swift's s3api from .ci/services/s3.sh, or whatever CI
// points AWS_ENDPOINT_URL_S3 at): the storage conformance suite, then what only an object store can show.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { service } from '../../test/helpers/services.js';
import { isGmpError } from '../errors.js';
import { listAll } from './blob-store.js';
import { storageConformance } from './conformance.js';
import { PART_SIZE, openS3Store } from './s3-store.js';
import type { S3Store } from './s3-store.js';

const settings = await service('s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'GMP_TEST_S3_BUCKET']);
// The store reads its credentials, region and endpoint where the SDK does: the environment.
Object.assign(process.env, settings);
const bucket = settings.GMP_TEST_S3_BUCKET as string;
// Path style: what Swift, MinIO and Ceph need, and what AWS still accepts.
const options = { forcePathStyle: true };

/** A store under a prefix of its own, so runs never see each other's keys. */
const fresh = (what: string): string => `s3://${bucket}/t-${what}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

async function empty(store: S3Store): Promise<void> {
  for await (const k of listAll(store, '')) await store.delete(k);
}

storageConformance('s3', async () => {
  const store = await openS3Store(fresh('conf'), options);
  return { store, cleanup: () => empty(store) };
});

describe('S3 store', () => {
  const stores: S3Store[] = [];
  let files: string;
  const open = async (url: string): Promise<S3Store> => {
    const s = await openS3Store(url, options);
    stores.push(s);
    return s;
  };
  before(async () => {
    files = await mkdtemp(path.join(tmpdir(), 'gmp-s3-'));
  });
  after(async () => {
    for (const s of stores) await empty(s).finally(() => s.close());
    await rm(files, { recursive: true, force: true });
  });

  test('objects are named [PREFIX/]<key> exactly, and stores whose prefixes share a beginning never see each other', async () => {
    const base = fresh('iso');
    const a = await open(`${base}/a`);
    const ab = await open(`${base}/ab`);
    const whole = await open(base);
    await a.put('example.com/!foo/@v/v1.0.0.mod', 'module example.com/Foo\n');
    await ab.put('example.com/!foo/@v/v1.0.0.mod', 'module other\n');
    assert.deepEqual((await a.list('')).keys, ['example.com/!foo/@v/v1.0.0.mod']);
    assert.equal((await a.read('example.com/!foo/@v/v1.0.0.mod'))?.toString(), 'module example.com/Foo\n');
    assert.equal((await ab.read('example.com/!foo/@v/v1.0.0.mod'))?.toString(), 'module other\n');
    // Seen from the bucket (a store on the common prefix), the GOPROXY layout under each prefix.
    assert.deepEqual((await whole.list('')).keys, ['a/example.com/!foo/@v/v1.0.0.mod', 'ab/example.com/!foo/@v/v1.0.0.mod']);
    await ab.delete('example.com/!foo/@v/v1.0.0.mod');
    assert.equal((await a.stat('example.com/!foo/@v/v1.0.0.mod'))?.size, 23);
  });

  test('keys with !, +, @ and ~ round-trip through put, stat, read, get and list', async () => {
    const s = await open(fresh('chars'));
    const keys = ['github.com/!azure/go-!auto!rest/@v/v0.0.0-2023+incompatible.info', 'x.io/a@b/@v/v1.0.0~rc.1.mod', 'x.io/~user/@latest'];
    for (const k of keys) await s.put(k, k);
    for (const k of keys) {
      assert.equal((await s.read(k))?.toString(), k);
      assert.equal((await s.stat(k))?.size, k.length);
    }
    assert.deepEqual((await s.list('')).keys, [...keys].sort());
    const head = await s.client.send(new HeadObjectCommand({ Bucket: s.bucket, Key: `${s.prefix}${keys[0]}` }));
    assert.equal(head.ContentLength, (keys[0] as string).length, 'the object key is the storage key, unescaped');
  });

  test('a 20 MB putFile goes up in parts, reads back identical, and the local file is gone', async () => {
    const s = await open(fresh('big'));
    const data = randomBytes(20 * 1024 * 1024 + 3);
    const file = path.join(files, 'big.zip');
    await writeFile(file, data);
    await s.putFile('big.example/m/@v/v1.0.0.zip', file);
    assert.equal(existsSync(file), false);
    const head = await s.client.send(new HeadObjectCommand({ Bucket: s.bucket, Key: `${s.prefix}big.example/m/@v/v1.0.0.zip` }));
    // A multipart object's ETag is the hash of its parts' hashes, followed by their count.
    assert.match(head.ETag ?? '', new RegExp(`-${Math.ceil(data.length / PART_SIZE)}"$`));
    assert.equal(head.ContentType, 'application/zip');
    const got = createHash('sha256');
    for await (const c of (await s.get('big.example/m/@v/v1.0.0.zip')) ?? []) got.update(c as Buffer);
    assert.equal(got.digest('hex'), createHash('sha256').update(data).digest('hex'));
  });

  test('the conditional-create probe is honest: putIfAbsent creates once where it works, is refused where not, and leaves no probe object', async () => {
    const s = await open(fresh('cond'));
    if (s.conditionalCreate) {
      assert.equal(await s.putIfAbsent('c.example/m/@v/v1.0.0.info', 'first'), true);
      assert.equal(await s.putIfAbsent('c.example/m/@v/v1.0.0.info', 'second'), false);
      assert.equal((await s.read('c.example/m/@v/v1.0.0.info'))?.toString(), 'first');
    } else {
      await assert.rejects(s.putIfAbsent('c.example/m/@v/v1.0.0.info', 'first'), (e) => isGmpError(e, 'GMP_ERR_INTERNAL'));
      assert.equal(await s.stat('c.example/m/@v/v1.0.0.info'), undefined);
    }
    assert.deepEqual((await s.list('_gomodproxy/')).keys, []);
    await s.ping();
  });
});
