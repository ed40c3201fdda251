// A fill asked after the shutdown's cut under `direct` that joins git work a cut fill started and others share
// (the mirror's first fetch, a resolved revision): the work ends with the cut, and the fill that joined it is
// answered as a cut fill is, 503 GMP_ERR_SHUTTING_DOWN with Retry-After (a load balancer asks the next replica),
// not a 502 the go command fails the build on, nor a 404 that the not-found cache would keep.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { ModuleCache } from '../src/cache/module-cache.js';
import { ERRORS, toGmpError } from '../src/errors.js';
import { Filler } from '../src/fill/filler.js';
import { SingleflightFill } from '../src/fill/singleflight.js';
import { FillEvents } from '../src/fill/types.js';
import type { Want } from '../src/fill/types.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { Scratch } from '../src/storage/scratch.js';
import { Chain } from '../src/upstream/chain.js';
import { DirectSource } from '../src/vcs/direct-source.js';
import { eventually } from './helpers/eventually.js';
import { HOST } from './helpers/git-fixtures.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';

const MODULE = `${HOST}/gmp/joined`;
let root: string;
let git: GitServer;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-shutdown-joined-'));
  const b = await GitRepoBuilder.init(path.join(root, 'repos', 'gmp', 'joined'));
  await b.write({ 'go.mod': `module ${MODULE}\n\ngo 1.16\n`, 'joined.go': 'package joined\n' });
  await b.git('add', '-A');
  await b.git('commit', '-q', '-m', 'first');
  await b.git('tag', 'v1.0.0');
  git = await startGitServer(path.join(root, 'repos'));
});

after(async () => {
  await git?.close();
  await rm(root, { recursive: true, force: true });
});

/** A Filler (the one that cuts) over direct mode alone, fetching from the test's git server, with a cache in front. */
async function setUp(name: string) {
  const dir = path.join(root, name);
  const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
  // The git timeout is far longer than the test: nothing here ends by a timeout.
  const direct = new DirectSource({
    vcsDir: path.join(dir, 'vcs'),
    refreshIntervalMs: 600_000,
    gitTimeoutMs: 600_000,
    rewrite: [`https://${HOST}/=${git.url}/`],
    scratchFile: (label) => scratch.file(label).path,
  });
  const chain = new Chain([{ kind: 'direct', source: direct }]);
  const logs: Array<{ level: number; msg: string; kind?: string }> = [];
  const log = pino({ level: 'info' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const filler = new Filler({ route: () => chain, store: new MemoryStore(), scratch, gates: [], events: new FillEvents(), log });
  const cache = new ModuleCache(
    new MemoryStore(),
    new SingleflightFill(filler),
    { listTTLms: 0, negativeTTLms: 600_000, memoryBytes: 1 << 20 },
    undefined,
    log,
  );
  return { direct, filler, cache, logs };
}

const info: Want = { kind: 'info', module: MODULE, version: 'v1.0.0' };
const list: Want = { kind: 'list', module: MODULE, version: '' };
const fetches = () => git.requests.filter((r) => r === 'POST /gmp/joined/git-upload-pack').length;

/** The error a promise rejects with, as the registry maps it. */
const failure = async (p: Promise<unknown>) =>
  toGmpError(
    await p.then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    ),
  );

function assertShuttingDown(err: ReturnType<typeof toGmpError>): void {
  assert.equal(err.code, 'GMP_ERR_SHUTTING_DOWN', err.message);
  assert.equal(err.status, 503);
  assert.equal(err.retryAfter, ERRORS.GMP_ERR_SHUTTING_DOWN.retryAfter);
}

test("a fill after the cut that joins the mirror's first fetch, started by a cut fill, is 503 shutting down, not 502", async () => {
  const { direct, filler, cache, logs } = await setUp('first-fetch');
  let release = () => {};
  git.hold = new Promise<void>((r) => {
    release = r;
  });
  try {
    const before = fetches();
    // Nobody waits for it (read ahead, say): its fetch of the repository is held by the git server.
    const cutFill = filler.fill(list);
    cutFill.catch(() => undefined);
    await eventually(async () => fetches() > before, 'the first fetch reached the git server');
    const cutting = filler.cutRunning();
    // Asked after the cut (the own checksum database's go.mod, say): it joins the fetch the cut ends.
    const joined = cache.info(MODULE, 'v1.0.0');
    assertShuttingDown(await failure(cutFill));
    assertShuttingDown(await failure(joined));
    await cutting;
    // Each told once, at info, as cut by the shutdown: neither is an upstream's failure.
    assert.deepEqual(
      logs.map((l) => [l.level, l.msg, l.kind]),
      [
        [30, 'fill cut by shutdown; nothing was stored', 'list'],
        [30, 'fill cut by shutdown; nothing was stored', 'info'],
      ],
    );

    // Not remembered as anything: asked again, with the git server answering, it is filled.
    release();
    git.hold = undefined;
    const again = await cache.info(MODULE, 'v1.0.0');
    assert.match(again.body.toString('utf8'), /"Version":"v1.0.0"/);
  } finally {
    release();
    git.hold = undefined;
    await direct.close();
  }
});

test('a fill after the cut that joins a revision a cut fill was resolving is 503 shutting down, not a 404 the not-found cache keeps', async () => {
  const { direct, filler, cache } = await setUp('resolving');
  try {
    // The mirror is fetched: resolving v1.0.0 now reads only the local mirror.
    await filler.fill(list);
    const cutFill = filler.fill(info);
    cutFill.catch(() => undefined);
    const cutting = filler.cutRunning();
    // Asked after the cut, while the cut fill's answer for v1.0.0 (shared by every fill) is still being computed.
    const joined = cache.info(MODULE, 'v1.0.0');
    assertShuttingDown(await failure(cutFill));
    assertShuttingDown(await failure(joined));
    await cutting;

    // Not in the not-found cache: asked again, it is filled.
    const again = await cache.info(MODULE, 'v1.0.0');
    assert.match(again.body.toString('utf8'), /"Version":"v1.0.0"/);
  } finally {
    await direct.close();
  }
});
