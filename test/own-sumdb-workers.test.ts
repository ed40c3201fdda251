// The own checksum database behind `serve --workers 2`: a go command that verifies versions nobody has looked up
// yet (GOSUMDB at the proxy's own database) gets every lookup answered, whichever worker its connection reaches
// (the log's writer appends it, or another worker hands it to the writer through the primary:
// app/cluster-sumdb.ts), and the log holds the hashes the go command got.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { graphModules, writeModules } from '../bench/fixtures.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { goCommands, goDownload, goEnv } from './helpers/go.js';
import { ownSumdbKey } from './helpers/own-sumdb-key.js';
import { startProxyProcess } from './helpers/proxy-process.js';

const DB = 'sum.gomodproxy.local';

test('through serve --workers 2, the go command verifies versions new to the own database, and the log holds what it got', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'gmp-own-workers-'));
  // Twelve modules of two versions each: each go release below downloads versions the log has not seen yet.
  const mods = graphModules(12, 'example.com/ownw');
  await writeModules(path.join(root, 'up'), mods);
  const up = await startFakeUpstream(path.join(root, 'up'));
  const data = path.join(root, 'data');
  const p = await startProxyProcess({ workers: '2', upstream: up.url, data, sumdb: 'off', 'own-sumdb': 'on', retries: '0' });
  try {
    const key = await ownSumdbKey(data);
    const gos = await goCommands();
    for (const [i, g] of gos.entries()) {
      if (g.go === undefined) {
        t.diagnostic(`go ${g.minor}: ${g.skip}`);
        continue;
      }
      const wanted = mods.filter((_, j) => j % gos.length === i).map((m) => `${m.path}@${m.version}`);
      const env = await goEnv(p.url, { GOSUMDB: `${key} ${p.url}/sumdb/${DB}` }, g.go);
      const { result, downloads } = await goDownload(env, wanted);
      assert.equal(result.code, 0, `go ${g.minor}: ${result.stderr}\n${downloads.map((d) => d.Error ?? '').join('\n')}`);
      assert.equal(downloads.length, wanted.length);
      for (const d of downloads) {
        // The lookup the go command verified, asked again of the server: the same record, now in the log.
        const res = await fetch(`${p.url}/sumdb/${DB}/lookup/${d.Path}@${d.Version}`);
        assert.equal(res.status, 200, `${d.Path}@${d.Version}`);
        const body = await res.text();
        assert.ok(body.includes(`\n${d.Path} ${d.Version} ${d.Sum}\n${d.Path} ${d.Version}/go.mod ${d.GoModSum}\n`), `${d.Path}@${d.Version}: ${body}`);
      }
    }
  } finally {
    await p.stop();
    await up.close();
    await rm(root, { recursive: true, force: true });
  }
});
