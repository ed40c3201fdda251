// The long-lived cat-file reader and the bulk go.mod prefetch, against a blob-filtered clone of a temp repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatFileBatch } from './cat-file-batch.js';
import { GitError, runGit } from './git-run.js';
import { missingGoMods } from './go-mod-prefetch.js';

const T = { timeoutMs: 20_000 };

async function fixture(): Promise<{ work: string; src: string; mirror: string; tip: string }> {
  const work = await mkdtemp(path.join(tmpdir(), 'gmp-catfile-'));
  const src = path.join(work, 'src');
  await runGit(['init', '--quiet', src], T);
  await mkdir(path.join(src, 'sub'));
  await writeFile(path.join(src, 'go.mod'), 'module example.com/x\n');
  await writeFile(path.join(src, 'sub', 'go.mod'), 'module example.com/x/sub\n');
  await writeFile(path.join(src, 'a.txt'), 'a\n');
  const id = [
    ['user.name', 't'],
    ['user.email', 't@t'],
  ] as const;
  await runGit(['add', '.'], { ...T, cwd: src });
  await runGit(['commit', '--quiet', '-m', 'one'], { ...T, cwd: src, config: id });
  await runGit(['tag', 'v1.0.0'], { ...T, cwd: src });
  await writeFile(path.join(src, 'go.mod'), 'module example.com/x\n\ngo 1.19\n');
  await runGit(['commit', '--quiet', '-am', 'two'], { ...T, cwd: src, config: id });
  const tip = (await runGit(['rev-parse', 'HEAD'], { ...T, cwd: src })).stdout.toString().trim();
  const mirror = path.join(work, 'mirror');
  // In the serving repository's own config: git 2.39 does not pass GIT_CONFIG_* settings on to the
  // upload-pack of a local clone, which then ignores the filter and copies every blob.
  await runGit(['config', 'uploadpack.allowFilter', 'true'], { ...T, cwd: src });
  await runGit(['clone', '--quiet', '--bare', '--filter=blob:none', `file://${src}`, mirror], T);
  return { work, src, mirror, tip };
}

const missingCount = async (mirror: string): Promise<number> =>
  (await runGit(['rev-list', '--objects', '--all', '--missing=print'], { ...T, cwd: mirror })).stdout
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('?')).length;

test('the go.mod blobs of tips and recent commits are found without fetching anything', async () => {
  const fx = await fixture();
  try {
    const git = (args: readonly string[], extra: { input?: string } = {}) => runGit(args, { ...T, cwd: fx.mirror, ...extra }).then((r) => r.stdout);
    const before = await missingCount(fx.mirror);
    const scanned = new Set<string>();
    const wanted = await missingGoMods(git, scanned);
    // go.mod at the tag and at the tip (two versions) and sub/go.mod; a.txt is not wanted.
    assert.equal(wanted.length, 3);
    assert.equal(await missingCount(fx.mirror), before);
    assert.deepEqual(await missingGoMods(git, scanned), [], 'tips already scanned are not scanned again');
  } finally {
    await rm(fx.work, { recursive: true, force: true });
  }
});

test('one cat-file process answers file reads, commit lookups and misses in order', async () => {
  const fx = await fixture();
  const batch = new CatFileBatch(fx.mirror, 20_000, [['protocol.file.allow', 'always']]);
  try {
    const [gomod, commit, absent, tree] = await Promise.all([
      batch.read(`${fx.tip}:go.mod`),
      batch.read(`${fx.tip.slice(0, 10)}^{commit}`),
      batch.read(`${fx.tip}:no-such-file`),
      batch.read(`${fx.tip}:sub`),
    ]);
    assert.equal(gomod?.data.toString(), 'module example.com/x\n\ngo 1.19\n');
    assert.equal(commit?.oid, fx.tip);
    assert.match(commit?.data.toString() ?? '', /^committer .* \d+ [+-]\d{4}$/m);
    assert.equal(absent, undefined);
    assert.equal(tree?.type, 'tree');
    batch.retire();
    assert.equal((await batch.read(`${fx.tip}:sub/go.mod`))?.data.toString(), 'module example.com/x/sub\n', 'a retired reader is replaced');
    await assert.rejects(batch.read('a\nb'));
  } finally {
    batch.retire();
    await rm(fx.work, { recursive: true, force: true });
  }
});

test("a read is given up when its fill's cut aborts: the lazy fetch it waits on ends, a read with another cut still runs", { timeout: 120_000 }, async () => {
  const fx = await fixture();
  // A remote that takes connections and never answers: the lazy fetch of a missing blob hangs on it.
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    // Read (and drop) the request, so that the client's end is seen.
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await runGit(['config', 'remote.origin.url', `http://127.0.0.1:${port}/x.git`], { ...T, cwd: fx.mirror });
  const batch = new CatFileBatch(fx.mirror, 600_000);
  try {
    const done = new AbortController();
    const local = await batch.read(`${fx.tip}^{commit}`, done.signal);
    assert.equal(local?.oid, fx.tip);
    assert.equal(getEventListeners(done.signal, 'abort').length, 0, 'an answered read no longer listens to the shared cut');

    const cut = new AbortController();
    const held = batch.read(`${fx.tip}:a.txt`, cut.signal);
    held.catch(() => undefined);
    while (sockets.size === 0) await new Promise((r) => setTimeout(r, 20));
    cut.abort(new Error('shutdown'));
    await assert.rejects(held, (e: unknown) => e instanceof GitError && /the fill was cut/.test(e.message));
    // The cat-file process and the fetch it started are killed: the remote's connection closes.
    while (sockets.size > 0) await new Promise((r) => setTimeout(r, 20));
    await assert.rejects(batch.read(`${fx.tip}^{commit}`, cut.signal), /not started, the fill was cut/);
    const fresh = new AbortController();
    assert.equal((await batch.read(`${fx.tip}^{commit}`, fresh.signal))?.oid, fx.tip, 'a fill started after the cut still reads');
  } finally {
    batch.retire();
    for (const s of sockets) s.destroy();
    server.close();
    await rm(fx.work, { recursive: true, force: true });
  }
});
