// Integration: a total fill deadline scaled by size. An upstream that trickles its answer, each gap shorter
// than the idle timeout, is cut off: the client gets 504 with the reason, nothing is stored, and clients
// waiting on the same fill in other worker processes are not kept longer than the fill itself.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheFiles, scratchFiles } from './helpers/data-dir.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import { startProxy } from './helpers/proxy.js';

const ZIP = '/example.com/lib/@v/v1.1.0.zip';
// One byte every 200 ms: the 568-byte zip would take two minutes, every gap far below the idle timeout.
const TRICKLE = { kind: 'trickle', bytes: 1, everyMs: 200 } as const;
const DEADLINE = { 'fill-deadline': '300ms', 'fill-min-rate': '1KiB' };
let up: FakeUpstream;

before(async () => {
  up = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-deadline-')), sampleModules()));
});
after(() => up.close());

describe('the fill deadline', () => {
  test('a trickling upstream is cut off: 504 with the reason, nothing stored, no scratch file left', async () => {
    up.faults.set(ZIP, TRICKLE);
    const proxy = await startProxy({ upstream: up.url, ...DEADLINE });
    try {
      const res = await proxy.get(ZIP);
      assert.equal(res.status, 504);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(await res.text(), /zip for example\.com\/lib@v1\.1\.0: gave up after [\d.]+s: the upstream sent it too slowly .*nothing was stored/);
      assert.deepEqual(await cacheFiles(proxy.dataDir), []);
      assert.deepEqual(await scratchFiles(proxy.dataDir), []);
      assert.match(await (await proxy.get('/metrics')).text(), /gomodproxy_fill_deadline_exceeded_total\{upstream="[^"]+"\} 1/);
    } finally {
      up.faults.clear();
      await proxy.close();
    }
  });

  test('the deadline grows with the size: an answer that takes longer than the base but keeps the minimum rate is served', async () => {
    // About 7 s for 568 bytes; the deadline is 5 s plus 568 bytes at 50 B/s, about 16 s.
    up.faults.set(ZIP, { kind: 'trickle', bytes: 8, everyMs: 100 });
    const proxy = await startProxy({ upstream: up.url, 'fill-deadline': '5s', 'fill-min-rate': '50' });
    try {
      assert.equal((await proxy.get(ZIP)).status, 200);
    } finally {
      up.faults.clear();
      await proxy.close();
    }
  });

  test('clients waiting in other worker processes get the 504 too, not a wait without end', async () => {
    up.faults.set(ZIP, TRICKLE);
    const data = await mkdtemp(path.join(tmpdir(), 'gmp-deadline-data-'));
    const proxy = await startProxyProcess({ workers: '2', upstream: up.url, sumdb: 'off', 'own-sumdb': 'off', data, retries: '0', ...DEADLINE });
    try {
      // Generous: without the deadline the trickle alone takes two minutes.
      const answers = await Promise.all(
        Array.from({ length: 6 }, () => fetch(proxy.url + ZIP, { signal: AbortSignal.timeout(60_000) }).then(async (r) => [r.status, await r.text()] as const)),
      );
      for (const [status, text] of answers) {
        assert.equal(status, 504, text);
        assert.match(text, /too slowly/);
      }
      assert.deepEqual(await cacheFiles(data), []);
    } finally {
      up.faults.clear();
      await proxy.stop();
    }
  });
});
