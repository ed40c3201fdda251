// A shutdown's cut under `direct` while a fill waits on go-get discovery (the ?go-get=1 page of a module path
// whose server never answers): the cut ends the page's request too, not only the fill's wait for it. Left to
// its timeout (up to 30 s), the request held its connection past the shutdown, and a fill asked after the cut
// (the own checksum database's record of a go.mod) joined that same lookup and waited it out.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { ERRORS, isGmpError } from '../src/errors.js';
import { Filler } from '../src/fill/filler.js';
import { FillEvents } from '../src/fill/types.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { Scratch } from '../src/storage/scratch.js';
import { Chain } from '../src/upstream/chain.js';
import { DirectSource } from '../src/vcs/direct-source.js';
import { eventually } from './helpers/eventually.js';

const MODULE = 'example.org/silent';

test('a cut fill ends its go-get request that gets no answer; the fill fails as cut by shutdown (503), and a fill after the cut asks again', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-go-get-cut-'));
  /** The go-get server: it never answers; each request ends only when the client aborts it. */
  const requests: { url: string; signal: AbortSignal | undefined }[] = [];
  const fetchPage = (url: string, signal?: AbortSignal) =>
    new Promise<string>((_, reject) => {
      requests.push({ url, signal });
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  try {
    const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
    // The git timeout is far longer than the test: nothing here ends by a timeout.
    const direct = new DirectSource({
      vcsDir: path.join(dir, 'vcs'),
      refreshIntervalMs: 60_000,
      gitTimeoutMs: 600_000,
      fetchPage,
      scratchFile: (label) => scratch.file(label).path,
    });
    const chain = new Chain([{ kind: 'direct', source: direct }]);
    const filler = new Filler({ route: () => chain, store: new MemoryStore(), scratch, gates: [], events: new FillEvents(), log: pino({ level: 'silent' }) });

    const filled = filler.fill({ kind: 'list', module: MODULE, version: '' });
    filled.catch(() => undefined);
    await eventually(async () => requests.length === 1, 'the go-get page was asked for');
    await filler.cutRunning();

    const err = await filled.catch((e: unknown) => e);
    assert.ok(isGmpError(err, 'GMP_ERR_SHUTTING_DOWN'), String(err));
    assert.equal(ERRORS.GMP_ERR_SHUTTING_DOWN.status, 503);
    assert.equal(requests[0]?.signal?.aborted, true, 'the go-get request was ended by the cut, not left to its timeout');

    // Asked after the cut (a fresh cut): a lookup of its own, not the one that was cut.
    const after = filler.fill({ kind: 'list', module: MODULE, version: '' });
    after.catch(() => undefined);
    await eventually(async () => requests.length === 2, 'a fill after the cut asked for the page again');
    await filler.cutRunning();
    assert.ok(isGmpError(await after.catch((e: unknown) => e), 'GMP_ERR_SHUTTING_DOWN'));
    await direct.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
