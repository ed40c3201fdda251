// A child following a parent with a token that may read the parent's private modules: the parent's feed lists
// them to that token, marked private. A child whose --private covers them stores them (through its
// --private-upstream); one whose --private does not would look their names up in its public checksum
// databases (sum.golang.org by default) and list them in its own public /index, so it passes over them,
// counts them and says what to set, naming none of them.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { runCliProcess } from './helpers/cli-process.js';
import { PUBLIC, SECRET, feedPaths, startPrivateParent } from './helpers/private-parent.js';
import type { PrivateParent } from './helpers/private-parent.js';

let root: string;
let parent: PrivateParent;
let reader: string;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-follow-private-'));
  parent = await startPrivateParent(root);
  reader = parent.reader;
});

after(async () => {
  await parent?.close();
  await rm(root, { recursive: true, force: true });
});

/** `gomodproxy sync` once, as its own process (its log included), from the parent with the reader's token, into a new data directory. */
async function sync(name: string, extra: string[]) {
  const data = path.join(root, name);
  const withToken = parent.proxy.url.replace('://', `://edge:${reader}@`);
  const flags = ['--follow', withToken, '--upstream', withToken, '--data', data, '--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'info'];
  const r = await runCliProcess(['sync', ...flags, ...extra]);
  return { code: r.code, out: r.stdout, err: r.stderr, data };
}

test('the parent marks private entries in its feed, only for a token that may read them', async () => {
  const res = await request(`${parent.proxy.url}/index`, { headers: { authorization: `Bearer ${reader}` } });
  const lines = (await res.body.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => [l.Path, l.Private]),
    [
      [PUBLIC, undefined],
      [SECRET, true],
    ],
  );
  assert.deepEqual(await feedPaths(parent.proxy.url), [PUBLIC], 'an anonymous reader sees the public module only');
});

test('a child without --private for them passes over the private entries: not stored (so not in its own feed), not named', async () => {
  const r = await sync('child-public', []);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(r.out, /: 1 stored, .* 1 private at the parent \(not --private here\)/);
  assert.doesNotMatch(r.out + r.err, /corp\.example\.com\/secret/);
  const stored = async (m: string) =>
    stat(path.join(r.data, 'cache', m, '@v', 'v1.0.0.zip')).then(
      () => true,
      () => false,
    );
  assert.equal(await stored(PUBLIC), true);
  assert.equal(await stored(SECRET), false, 'the private version is not stored');
  assert.match(r.out + r.err, /marks as private.*--private/, 'the log says what to set');
});

test('a child with --private for them stores them through its --private-upstream', async () => {
  const withToken = parent.proxy.url.replace('://', `://edge:${reader}@`);
  const r = await sync('child-private', ['--private', 'corp.example.com', '--private-upstream', withToken]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /caught up: 2 stored/);
});

test("private entries passed over stay passed over when --private is widened; warm from the parent's private entries stores them", async () => {
  const first = await sync('child-widened', []);
  assert.equal(first.code, 1, first.out + first.err);
  const withToken = parent.proxy.url.replace('://', `://edge:${reader}@`);
  const widened = ['--private', 'corp.example.com', '--private-upstream', withToken];
  const again = await sync('child-widened', widened);
  assert.equal(again.code, 0, again.out + again.err);
  assert.match(again.out, /caught up: 0 stored, 0 already here/, 'the cursor is past them: nothing is revisited');
  // What README says to do: list the parent's private entries with the token and warm them with the new settings.
  const res = await request(`${parent.proxy.url}/index`, { headers: { authorization: `Bearer ${reader}` } });
  const entries = (await res.body.text())
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { Path: string; Version: string; Private?: boolean });
  const list = entries.filter((e) => e.Private === true).map((e) => `${e.Path}@${e.Version}`);
  assert.deepEqual(list, [`${SECRET}@v1.0.0`]);
  const warm = await runCliProcess(['warm', ...list, '--data', again.data, '--sumdb', 'off', '--own-sumdb', 'off', ...widened]);
  assert.equal(warm.code, 0, warm.stdout + warm.stderr);
  await stat(path.join(again.data, 'cache', SECRET, '@v', 'v1.0.0.zip'));
});
