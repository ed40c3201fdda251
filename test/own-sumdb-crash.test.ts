// The own checksum database across crashes: a `serve` killed with SIGKILL again and again while it stores
// versions (a follower of a parent's feed, or the go command filling through it without looking anything up)
// and then started once more serves every version whose zip is in its storage verified through its own
// database: the real go command (every tested release, a fresh module cache each) checks each of them against
// the database's GOSUMDB line, and the log holds each stored version once, with the hashes the go command got.
// A kill lands wherever the load puts it, also in the moment after a zip was stored and before the version was
// recorded (or marked for the log's writer).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dataPaths } from '../src/storage/data-dirs.js';
import { BATCH_MARKERS, PENDING_MARKERS } from '../src/storage/keys.js';
import { open, verifierList } from '../src/sumdb/note.js';
import { newVerifier } from '../src/sumdb/note-keys.js';
import { tilePath } from '../src/sumdb/tile.js';
import { parseTree } from '../src/sumdb/tree-note.js';
import { startCrashFixture } from './helpers/crash-fixture.js';
import type { CrashFixture } from './helpers/crash-fixture.js';
import { eventually } from './helpers/eventually.js';
import { goCommands, goDownload, goEnv } from './helpers/go.js';
import { ownSumdbKey } from './helpers/own-sumdb-key.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { killAll, pidsOf, storedZips, waitStored } from './helpers/sigkill.js';

/** Versions stored by one incarnation before it is killed. */
const PER_LIFE = 20;
const DB = 'sum.gomodproxy.local';

let root: string;
let fx: CrashFixture;
/** `<module>@<version>` of every version the upstream has, in its feed's order. */
let ALL: readonly string[];

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-own-crash-'));
  fx = await startCrashFixture(root, 'owncrash');
  ALL = fx.all;
});
after(async () => {
  await fx?.close();
  await rm(root, { recursive: true, force: true });
});

interface LogRecord {
  readonly key: string;
  readonly zip: string;
  readonly mod: string;
}

/** Every record of the own log as its sumdb endpoints serve it (the signed tree, then its data tiles). */
async function readLog(url: string, verifierKey: string): Promise<LogRecord[]> {
  const base = `${url}/sumdb/${DB}`;
  const latest = Buffer.from(await (await fetch(`${base}/latest`)).arrayBuffer());
  const { n } = parseTree(open(latest, verifierList(newVerifier(verifierKey))).text);
  const out: LogRecord[] = [];
  for (let t = 0; t * 256 < n; t++) {
    const w = Math.min(256, n - t * 256);
    const res = await fetch(`${base}/${tilePath({ h: 8, l: -1, n: t, w })}`);
    assert.equal(res.status, 200, `data tile ${t}`);
    // Each record (a zip line and a go.mod line) is followed by an empty line.
    const records = (await res.text()).split('\n\n').filter((r) => r !== '');
    assert.equal(records.length, w, `data tile ${t} holds ${w} records`);
    for (const r of records) {
      const [zipLine, modLine] = r.split('\n').map((l) => l.split(' '));
      assert.ok(zipLine !== undefined && modLine !== undefined && zipLine.length === 3 && modLine.length === 3, `malformed record ${r}`);
      assert.equal(modLine[1], `${zipLine[1]}/go.mod`);
      out.push({ key: `${zipLine[0]}@${zipLine[1]}`, zip: zipLine[2] as string, mod: modLine[2] as string });
    }
  }
  return out;
}

/**
 * After the last restart: every stored version downloads with each tested go release (a fresh module cache,
 * GOSUMDB at the own database), and the log holds each stored version once with the hashes the go command
 * verified, and nothing else.
 */
async function assertOwnDbCoversStorage(t: { diagnostic(s: string): void }, p: ProxyProcess, data: string): Promise<void> {
  const stored = [...(await storedZips(data))].sort();
  const key = await ownSumdbKey(data);
  const verifierKey = key;
  // What the log holds once the new writer has drained the markers the dead processes left (for the
  // diagnostic only: nothing is asserted about it). The rest was lost with the processes.
  await eventually(async () => (await markersLeft(data)) === 0, 'the writer drained the markers of the dead processes');
  const recordedAtStart = new Set((await readLog(p.url, verifierKey)).map((r) => r.key));
  t.diagnostic(`${stored.filter((k) => !recordedAtStart.has(k)).length} of ${stored.length} stored versions were not in the log after the last start`);
  const sums = new Map<string, { zip?: string; mod?: string }>();
  for (const g of await goCommands()) {
    if (g.go === undefined) {
      t.diagnostic(`go ${g.minor}: ${g.skip}`);
      continue;
    }
    const env = await goEnv(p.url, { GOSUMDB: `${key} ${p.url}/sumdb/${DB}` }, g.go);
    try {
      const { result, downloads } = await goDownload(env, stored);
      assert.equal(result.code, 0, `go ${g.minor}: ${result.stderr}\n${downloads.map((d) => d.Error ?? '').join('\n')}`);
      assert.equal(downloads.length, stored.length);
      for (const d of downloads) {
        const k = `${d.Path}@${d.Version}`;
        const seen = sums.get(k);
        if (seen !== undefined) assert.deepEqual({ zip: d.Sum, mod: d.GoModSum }, seen, `go ${g.minor}: ${k} got the same hashes as before`);
        else sums.set(k, { zip: d.Sum, mod: d.GoModSum });
      }
    } finally {
      await rm(env.home, { recursive: true, force: true });
    }
  }
  const log = await readLog(p.url, verifierKey);
  const keys = log.map((r) => r.key);
  assert.deepEqual(
    keys.filter((k, i) => keys.indexOf(k) !== i),
    [],
    'no version recorded twice',
  );
  assert.deepEqual([...keys].sort(), stored, 'the log holds exactly the stored versions');
  for (const r of log) {
    const got = sums.get(r.key);
    if (got !== undefined) assert.deepEqual({ zip: r.zip, mod: r.mod }, got, `${r.key}: the log holds what the go command verified`);
  }
}

/**
 * Markers of versions waiting for the log's writer (batches, and single versions of older releases), as files of the
 * data directory; the writer removes each once its versions are in the log.
 */
async function markersLeft(data: string): Promise<number> {
  const dirs = [BATCH_MARKERS, PENDING_MARKERS].map((d) => path.join(dataPaths(data).ownLog, d));
  return (await Promise.all(dirs.map((d) => readdir(d).catch(() => [])))).flat().length;
}

const common = (data: string, workers: string) => ({ workers, data, upstream: fx.up.url, sumdb: 'off', 'own-sumdb': 'on', retries: '0' });

describe('the own checksum database of a serve killed with SIGKILL while it stores versions', () => {
  for (const workers of ['1', '2']) {
    test(`following a parent's feed (--workers ${workers}): after the last restart every stored version verifies through the own database`, async (t) => {
      const data = path.join(root, `follow-${workers}`);
      const flags = { ...common(data, workers), follow: fx.feedUrl, 'follow-interval': '200ms' };
      let kills = 0;
      for (;;) {
        const before = (await storedZips(data)).size;
        if (kills === 4 || before >= ALL.length - PER_LIFE) break;
        const p = await startProxyProcess(flags);
        const pids = await pidsOf(p);
        await waitStored(data, before, PER_LIFE, ALL.length);
        await killAll(p, pids);
        kills++;
      }
      t.diagnostic(`${kills} kills, ${(await storedZips(data)).size} of ${ALL.length} versions stored`);
      assert.ok(kills >= 2, 'killed more than once');
      // The last life follows no feed: only the go command's lookups may record what the kills left unrecorded.
      const last = await startProxyProcess(common(data, workers));
      try {
        await assertOwnDbCoversStorage(t, last, data);
      } finally {
        await last.stop();
      }
    });
  }

  test('filled by the go command without lookups (--workers 2): after the last restart every stored version verifies through the own database', async (t) => {
    const data = path.join(root, 'go');
    const flags = common(data, '2');
    let kills = 0;
    for (;;) {
      const before = (await storedZips(data)).size;
      if (kills === 4 || before >= ALL.length - PER_LIFE) break;
      const p = await startProxyProcess(flags);
      const pids = await pidsOf(p);
      // GOSUMDB=off: the versions are recorded only because they were stored.
      const env = await goEnv(p.url);
      const download = goDownload(env, ALL);
      await waitStored(data, before, PER_LIFE, ALL.length);
      await killAll(p, pids);
      kills++;
      await download;
      await rm(env.home, { recursive: true, force: true });
    }
    t.diagnostic(`${kills} kills, ${(await storedZips(data)).size} of ${ALL.length} versions stored`);
    assert.ok(kills >= 2, 'killed more than once');
    const last = await startProxyProcess(flags);
    try {
      await assertOwnDbCoversStorage(t, last, data);
    } finally {
      await last.stop();
    }
  });
});
