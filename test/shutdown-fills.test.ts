// SIGTERM while fills nobody waits for are still asking a slow upstream (a go.mod read ahead, a list refreshed
// behind a hit): once the last answer is sent they are cut, and each is logged once at info level as cut by
// the shutdown. No "upstream … unreachable: The client is destroyed" error as the upstream clients close under
// them, no circuit opened, and the process exits 0 at once, not at --shutdown-timeout.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';

let root: string;
let up: FakeUpstream;
const TOP_MOD = '/example.com/top/@v/v1.0.0.mod';
const DEP_MOD = '/example.com/dep/@v/v1.0.0.mod';
const LIST = '/example.com/listed/@v/list';

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-shutdown-fills-'));
  await writeGoproxyDir(path.join(root, 'up'), [
    {
      path: 'example.com/top',
      versions: [
        { version: 'v1.0.0', files: { 'go.mod': 'module example.com/top\n\ngo 1.16\n\nrequire example.com/dep v1.0.0\n', 'top.go': 'package top\n' } },
      ],
    },
    { path: 'example.com/dep', versions: [{ version: 'v1.0.0', files: { 'dep.go': 'package dep\n' } }] },
    { path: 'example.com/listed', versions: [{ version: 'v1.0.0', files: { 'listed.go': 'package listed\n' } }] },
  ]);
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

for (const workers of ['1', '2']) {
  test(`--workers ${workers}: SIGTERM while background fills wait on a slow upstream logs no upstream error and exits 0`, async () => {
    const data = path.join(root, `data-${workers}`);
    // Only shutdown ends what the upstream holds: its first byte would come long after the shutdown timeout.
    const flags = {
      data,
      workers,
      upstream: up.url,
      sumdb: 'off',
      'read-ahead': '4',
      'list-ttl': '8s',
      'first-byte-timeout': '10m',
      'shutdown-timeout': '20s',
    };
    const p = await startProxyProcess(flags);
    const exited = new Promise<number | null>((resolve) => p.child.once('exit', (code) => resolve(code)));
    let release = false;
    // The upstream's counts go on from the test before.
    const listAsked = up.count(LIST);
    const depAsked = up.count(DEP_MOD);
    try {
      // A list answered, then asked again after half its TTL: a hit, refreshed behind the answer.
      const first = await request(p.url + LIST);
      assert.equal(first.statusCode, 200);
      await first.body.dump();
      // Held by the upstream until the process has exited: they are running when SIGTERM comes.
      up.faults.set(DEP_MOD, { kind: 'until', ready: () => release, ms: 600_000 });
      up.faults.set(LIST, { kind: 'until', ready: () => release, ms: 600_000 });
      // One request past half the TTL and well before its end: polling with requests could land past the TTL on a
      // loaded machine, a miss that waits for the held upstream.
      await new Promise((r) => setTimeout(r, 4_500));
      const again = await request(p.url + LIST);
      assert.equal(again.statusCode, 200);
      await again.body.dump();
      await eventually(async () => up.count(LIST) > listAsked + 1, 'a list hit is refreshed in the background');
      // A go.mod without graph pruning: the go.mod files it requires are read ahead.
      const top = await request(p.url + TOP_MOD);
      assert.equal(top.statusCode, 200);
      await top.body.dump();
      await eventually(async () => up.count(DEP_MOD) > depAsked, 'the go.mod required by top is read ahead');

      p.child.kill('SIGTERM');
      await eventually(async () => p.logs.some((l) => l.includes('shutting down: finishing in-flight requests')), 'the server began to shut down');
      const code = await exited;
      release = true;
      const errors = p.logs.filter((l) => /"level":(50|60)/.test(l) || /destroyed|is closed/.test(l));
      assert.deepEqual(errors, [], p.logs.join('\n'));
      assert.deepEqual(
        p.logs.filter((l) => /upstream circuit|shutdown timeout reached/.test(l)),
        [],
      );
      assert.equal(code, 0, p.logs.join('\n'));
      // Each cut fill is told once, at info level (with two workers, each may have refreshed the list).
      const cut = p.logs.filter((l) => l.includes('fill cut by shutdown')).map((l) => JSON.parse(l) as { level: number; module: string; worker?: string });
      for (const mod of ['example.com/dep', 'example.com/listed'])
        assert.ok(
          cut.some((c) => c.module === mod),
          p.logs.join('\n'),
        );
      assert.ok(cut.every((c) => c.level === 30));
      const told = cut.map((c) => `${c.worker ?? ''} ${c.module}`);
      assert.equal(new Set(told).size, told.length, p.logs.join('\n'));
    } finally {
      release = true;
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      up.faults.delete(DEP_MOD);
      up.faults.delete(LIST);
    }
  });
}
