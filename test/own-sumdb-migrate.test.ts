// Upgrading keeps the own checksum database: a log written by the earlier file format is carried over at
// start, serving byte-identical signed tree heads, records and tiles.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { dataPaths } from '../src/storage/data-dirs.js';
import { FileLogStorage } from '../src/sumdb/file-log-storage.js';
import { generateKey } from '../src/sumdb/note-keys.js';
import { serveSumdbPath } from '../src/sumdb/server-dispatch.js';
import { ServerLog } from '../src/sumdb/server-log.js';
import { startProxy } from './helpers/proxy.js';

test('a log in the earlier file format is carried over at start with byte-identical answers', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-migrate-'));
  try {
    const paths = dataPaths(dataDir);
    const { signerKey } = generateKey('sum.gomodproxy.local');
    await mkdir(path.dirname(paths.ownKeyFile), { recursive: true });
    await writeFile(paths.ownKeyFile, `${signerKey}\n`, { mode: 0o600 });
    const legacy = await FileLogStorage.open(paths.legacyOwnLog);
    const log = new ServerLog(legacy, signerKey);
    const rec = (i: number) => ({
      path: `example.com/m${i}`,
      version: 'v1.0.0',
      text: Buffer.from(`example.com/m${i} v1.0.0 h1:${i}=\nexample.com/m${i} v1.0.0/go.mod h1:g${i}=\n`),
    });
    await log.add([0, 1, 2].map(rec));
    await log.add([3, 4].map(rec));
    const want = await Promise.all(
      ['/latest', '/lookup/example.com/m3@v1.0.0', '/tile/8/0/000.p/5', '/tile/8/data/000.p/5'].map(async (p) => [
        p,
        (await serveSumdbPath(log, p)).body.toString('base64'),
      ]),
    );
    await legacy.close();
    const proxy = await startProxy({ upstream: 'off', 'own-sumdb': 'on' }, { dataDir });
    try {
      for (const [p, body] of want) {
        const res = await proxy.get(`/sumdb-own${p}`);
        assert.equal(res.status, 200, p);
        assert.equal(Buffer.from(await res.arrayBuffer()).toString('base64'), body, p);
      }
    } finally {
      await proxy.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
