// A publish whose zip cannot be stored (a full disk, a store that went down) leaves no half version: the
// .info and .mod stored ahead of the zip (for the own checksum database) are removed again, so the go
// command never gets a .mod for a version without its zip; sent again once the store works, it is created.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { LeaseExclusive } from '../coord/exclusive.js';
import { LocalCoordinator } from '../coord/local.js';
import { gmpError, isGmpError } from '../errors.js';
import { Committer } from '../fill/commit.js';
import { FillEvents } from '../fill/types.js';
import type { FilledEvent } from '../fill/types.js';
import { writeModuleZip } from '../modzip/create-zip.js';
import type { BlobStore } from '../storage/blob-store.js';
import { FsStore } from '../storage/fs-store.js';
import { artifactKey } from '../storage/keys.js';
import { Scratch } from '../storage/scratch.js';
import { PublishedVersions } from './published-versions.js';
import { Publisher } from './publisher.js';

const MODULE = 'corp.example.com/api';
const VERSION = 'v0.3.0';
let tmp: string;
let scratch: Scratch;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-publisher-'));
  ({ scratch } = await Scratch.open(path.join(tmp, 'tmp')));
});
after(async () => {
  await scratch.close();
  await rm(tmp, { recursive: true, force: true });
});

/** A real store whose zip writes (and, when asked, deletes) fail as a full disk fails them. */
function refusingZips(store: FsStore, refuse: { zip: boolean; deletes: boolean }): BlobStore {
  const full = () => gmpError('GMP_ERR_STORAGE_FULL', "the proxy's own disk is full");
  const wrapped = Object.create(store) as FsStore;
  wrapped.putFile = (key, file) => (refuse.zip && key.endsWith('.zip') ? Promise.reject(full()) : store.putFile(key, file));
  wrapped.put = (key, data) => (refuse.zip && key.endsWith('.zip') ? Promise.reject(full()) : store.put(key, data));
  wrapped.delete = (key) => (refuse.deletes ? Promise.reject(full()) : store.delete(key));
  return wrapped;
}

async function setUp(name: string, refuse: { zip: boolean; deletes: boolean }) {
  const real = new FsStore(path.join(tmp, name), scratch);
  const store = refusingZips(real, refuse);
  const events = new FillEvents();
  const filled: FilledEvent[] = [];
  events.on('filled', (e) => filled.push(e));
  const commit = new Committer({ store, gates: [], events, log: pino({ level: 'silent' }) });
  const published = new PublishedVersions(store, 0);
  const publisher = new Publisher({ store, commit, locks: new LeaseExclusive(new LocalCoordinator()), published, lockWait: { ms: 0, shown: '0s' } });
  return { real, publisher, published, filled };
}

/** A fresh upload file (the publisher may move it into the store). */
async function upload(): Promise<{ file: string; size: number }> {
  const file = scratch.file('upload').path;
  const source = (p: string, body: string) => ({ path: p, kind: 'file' as const, size: body.length, open: () => Readable.from([Buffer.from(body)]) });
  await writeModuleZip([source('go.mod', `module ${MODULE}\n`), source('api.go', 'package api\n')], MODULE, VERSION, file);
  const { size } = await stat(file);
  return { file, size };
}

const u = { module: MODULE, version: VERSION, by: 'ci' };
const kinds = ['info', 'mod', 'ziphash', 'zip'] as const;
const storedKinds = async (store: BlobStore) =>
  (await Promise.all(kinds.map(async (k) => ((await store.stat(artifactKey(MODULE, VERSION, k))) === undefined ? [] : [k])))).flat();

test('a zip that cannot be stored leaves no .info or .mod behind; sent again once the store works, the version is created', async () => {
  const refuse = { zip: true, deletes: false };
  const { real, publisher, published, filled } = await setUp('full', refuse);
  const first = await upload();
  await assert.rejects(publisher.zip(u, first.file, first.size), (err) => isGmpError(err, 'GMP_ERR_STORAGE_FULL'));
  assert.deepEqual(await storedKinds(real), [], 'a half version is left in the store');
  assert.deepEqual(await published.versions(MODULE), []);
  assert.deepEqual(
    filled.filter((e) => e.kind === 'zip'),
    [],
  );

  refuse.zip = false;
  const again = await upload();
  const outcome = await publisher.zip(u, again.file, again.size);
  assert.equal(outcome.result, 'created');
  assert.deepEqual(await storedKinds(real), ['info', 'mod', 'ziphash', 'zip']);
  assert.deepEqual(await published.versions(MODULE), [VERSION]);
});

test('when what was stored cannot be removed either, the same upload sent again stores its zip rather than answering that it is there', async () => {
  const refuse = { zip: true, deletes: true };
  const { real, publisher } = await setUp('down', refuse);
  const first = await upload();
  await assert.rejects(publisher.zip(u, first.file, first.size), (err) => isGmpError(err, 'GMP_ERR_STORAGE_FULL'));
  // The zip's hash was stored before the zip failed, and nothing could be removed.
  assert.deepEqual(await storedKinds(real), ['info', 'mod', 'ziphash']);

  refuse.zip = false;
  refuse.deletes = false;
  const again = await upload();
  assert.equal((await publisher.zip(u, again.file, again.size)).result, 'created');
  assert.deepEqual(await storedKinds(real), ['info', 'mod', 'ziphash', 'zip']);
});
