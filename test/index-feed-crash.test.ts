// The index feed across crashes: a `serve` killed with SIGKILL again and again while it stores versions (a
// follower of a parent's feed, or the go command filling through it; one process or two workers) and then
// started once more lists every version whose zip is in its storage, each once, and none that is not. A kill
// lands wherever the load puts it: right after a zip was stored and before the feed heard of it, while the
// feed's writer appends, between its append and the removal of what it appended.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { formatTimestamp, parseTimestamp } from '../src/feed/timestamp.js';
import { startCrashFixture } from './helpers/crash-fixture.js';
import type { CrashFixture } from './helpers/crash-fixture.js';
import { goDownload, goEnv } from './helpers/go.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import { killAll as kill, pidsOf, storedZips, waitStored as waitStoredOf } from './helpers/sigkill.js';

/** Versions stored by one incarnation before it is killed. */
const PER_LIFE = 20;

let root: string;
let fx: CrashFixture;
/** `<module>@<version>` of every version the upstream has, in its feed's order. */
let ALL: readonly string[];

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-feed-crash-'));
  fx = await startCrashFixture(root, 'crash');
  ALL = fx.all;
});
after(async () => {
  await fx?.close();
  await rm(root, { recursive: true, force: true });
});

const waitStored = (data: string, from: number, n: number): Promise<number> => waitStoredOf(data, from, n, ALL.length);

/** The whole feed, paged with "last timestamp + 1 ns" as README tells readers to. */
async function readFeed(url: string): Promise<string[]> {
  const keys: string[] = [];
  let since = '1970-01-01T00:00:00Z';
  for (;;) {
    const body = await (await fetch(`${url}/index?limit=50&since=${encodeURIComponent(since)}`)).text();
    const lines = body
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { Path: string; Version: string; Timestamp: string });
    keys.push(...lines.map((l) => `${l.Path}@${l.Version}`));
    const last = lines.at(-1);
    if (last === undefined) return keys;
    since = formatTimestamp((parseTimestamp(last.Timestamp) as bigint) + 1n);
  }
}

/** The feed lists exactly the stored versions, each once, once its writer has published what settled. */
async function assertFeedMatchesStorage(url: string, data: string): Promise<void> {
  const stored = await storedZips(data);
  let listed: string[] = [];
  // Settling takes a second, and a new writer starts within one tick; 20 s is ample on a busy machine.
  const start = Date.now();
  for (;;) {
    listed = await readFeed(url);
    if (listed.length >= stored.size || Date.now() - start > 20_000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const dupes = listed.filter((k, i) => listed.indexOf(k) !== i);
  assert.deepEqual(dupes, [], 'no version listed twice');
  const missing = [...stored].filter((k) => !listed.includes(k)).sort();
  assert.deepEqual(missing, [], `every stored version is listed (${missing.length} of ${stored.size} are not)`);
  const extra = listed.filter((k) => !stored.has(k));
  assert.deepEqual(extra, [], 'no version listed that is not stored');
}

const common = (data: string, workers: string) => ({ workers, data, upstream: fx.up.url, sumdb: 'off', 'own-sumdb': 'off', retries: '0' });

describe('the index feed of a serve killed with SIGKILL while it stores versions', () => {
  for (const workers of ['1', '2']) {
    test(`following a parent's feed (--workers ${workers}): after the last restart every stored version is listed once`, async (t) => {
      const data = path.join(root, `follow-${workers}`);
      const flags = { ...common(data, workers), follow: fx.feedUrl, 'follow-interval': '200ms' };
      let kills = 0;
      for (;;) {
        const before = (await storedZips(data)).size;
        if (kills === 4 || before === ALL.length) break;
        const p = await startProxyProcess(flags);
        const pids = await pidsOf(p);
        await waitStored(data, before, PER_LIFE);
        await kill(p, pids);
        kills++;
      }
      const last = await startProxyProcess(flags);
      try {
        t.diagnostic(`${kills} kills while ${ALL.length} versions were stored`);
        assert.ok(kills >= 2, 'killed more than once');
        await waitStored(data, 0, ALL.length);
        await assertFeedMatchesStorage(last.url, data);
      } finally {
        await last.stop();
      }
    });
  }

  test('filled by the go command (--workers 2): after the last restart every stored version is listed once', async (t) => {
    const data = path.join(root, 'go');
    const flags = common(data, '2');
    let kills = 0;
    for (;;) {
      const before = (await storedZips(data)).size;
      const p = await startProxyProcess(flags);
      const pids = await pidsOf(p);
      const env = await goEnv(p.url);
      const download = goDownload(env, ALL);
      if (kills < 3 && before < ALL.length - PER_LIFE) {
        // Killed as soon as enough zips are stored: the go command fails, the next life asks again.
        await waitStored(data, before, PER_LIFE);
        await kill(p, pids);
        kills++;
        await download;
        await rm(env.home, { recursive: true, force: true });
        continue;
      }
      const { result } = await download;
      assert.equal(result.code, 0, result.stderr);
      await rm(env.home, { recursive: true, force: true });
      try {
        t.diagnostic(`${kills} kills while ${ALL.length} versions were stored`);
        assert.ok(kills >= 2, 'killed more than once');
        assert.equal((await storedZips(data)).size, ALL.length);
        await assertFeedMatchesStorage(p.url, data);
      } finally {
        await p.stop();
      }
      return;
    }
  });
});
