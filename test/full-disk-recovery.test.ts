// Integration: the last paths of a full disk, on real processes and a real small file system. What fails while
// the disk is full is said and counted, and everything recovers by itself once there is room again: the server's
// audit log, the CLI's audit record, /readyz, and direct mode's git mirrors.
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from './helpers/eventually.js';
import { runCliProcess } from './helpers/cli-process.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { mountSmallDisk } from './helpers/small-disk.js';
import type { SmallDisk } from './helpers/small-disk.js';

const FLAGS = { workers: '1', sumdb: 'off', 'own-sumdb': 'off', retries: '0' };
let up: FakeUpstream;

before(async () => {
  up = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-recover-')), sampleModules()));
});
after(() => up.close());

/** Runs `fn` with a small disk mounted, or skips where mounting needs root. */
async function withSmallDisk(t: TestContext, fn: (disk: SmallDisk) => Promise<void>): Promise<void> {
  const disk = await mountSmallDisk();
  if (disk === undefined) return t.skip('mounting a small tmpfs needs root');
  try {
    await fn(disk);
  } finally {
    await disk.unmount();
  }
}

/** A counter's value from /metrics (0 when absent). */
async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

describe('the audit log on a full disk', () => {
  test('events that meet a full disk are dropped and counted, the run is logged once each way, and later events are written again with a line that marks the gap', (t) =>
    withSmallDisk(t, async (disk) => {
      const audit = path.join(disk.mnt, 'audit.jsonl');
      const data = await mkdtemp(path.join(tmpdir(), 'gmp-audit-data-'));
      // A deny rule makes every request for the module an audited refusal, without tokens.
      const proxy: ProxyProcess = await startProxyProcess({ ...FLAGS, upstream: up.url, data, deny: 'example.com/lib', 'audit-log': audit });
      try {
        const denied = async (v: string) => assert.equal((await fetch(`${proxy.url}/example.com/lib/@v/${v}.mod`)).status, 403);
        // The file is empty: its first line needs a page the full disk does not have (later ones would fit in its last page).
        await disk.fill();
        const from = proxy.logs.length;
        for (const v of ['v1.0.0', 'v1.1.0', 'v1.0.0']) await denied(v);
        await eventually(async () => (await metric(proxy.url, 'gomodproxy_audit_dropped_total')) === 3, 'three events counted as dropped');
        await disk.free();
        await denied('v1.2.0');
        await denied('v1.3.0');
        await eventually(async () => (await readFile(audit, 'utf8')).includes('v1.3.0'), 'the later events are written');
        const lines = (await readFile(audit, 'utf8'))
          .trimEnd()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual(
          lines.map((l) => [l.event, l.version ?? l.dropped]),
          [
            ['audit.dropped', 3],
            ['denied', 'v1.2.0'],
            ['denied', 'v1.3.0'],
          ],
        );
        assert.equal(await metric(proxy.url, 'gomodproxy_audit_dropped_total'), 3);
        const about = proxy.logs.slice(from).filter((l) => l.includes('audit log'));
        assert.equal(about.length, 2, about.join('\n'));
        const [failing, again] = about.map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual([failing?.level, failing?.reason], [50, 'ENOSPC']);
        assert.deepEqual([again?.level, again?.dropped], [30, 3]);
        assert.doesNotMatch(about.join('\n'), /example\.com|stack/, 'no event content, no stack');
      } finally {
        await proxy.stop();
      }
    }));
});

describe("the CLI's audit record on a full disk", () => {
  test('token create and revoke whose audit record meets a full disk: the token is made (and printed) or revoked, one line says the record is missing and why, exit 1', (t) =>
    withSmallDisk(t, async (disk) => {
      const data = await mkdtemp(path.join(tmpdir(), 'gmp-audit-cli-'));
      const audit = path.join(disk.mnt, 'audit.jsonl');
      await disk.fill();
      const flags = ['--data', data, '--audit-log', audit];
      const c = await runCliProcess(['token', 'create', '--name', 'ci', '--scope', 'read:example.com', ...flags]);
      assert.equal(c.code, 1, c.stderr);
      assert.match(c.stdout, /^gmp_\S+\n$/, 'the token, as usual');
      const [made, missing, ...more] = c.stderr.trimEnd().split('\n');
      assert.match(made ?? '', /^created token "ci"/);
      assert.equal(
        missing,
        `gomodproxy token: the token was created, but its audit record could not be written (--audit-log): write ${audit}: no space left on device (ENOSPC)`,
      );
      assert.deepEqual(more, []);
      // It exists: listed, and revoked the same way.
      const l = await runCliProcess(['token', 'list', ...flags]);
      assert.match(l.stdout, /\bci\b.*\bactive\b/, l.stdout);
      const r = await runCliProcess(['token', 'revoke', 'ci', ...flags]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stdout, /^revoked token "ci"/);
      assert.equal(
        r.stderr,
        `gomodproxy token: the token was revoked, but its audit record could not be written (--audit-log): write ${audit}: no space left on device (ENOSPC)\n`,
      );
    }));

  test('token create with an audit log that cannot be opened refuses before making a token: one line, exit 1', async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'gmp-audit-cli-'));
    const audit = path.join(data, 'no-such-folder', 'audit.jsonl');
    const c = await runCliProcess(['token', 'create', '--name', 'ci', '--scope', 'read:example.com', '--data', data, '--audit-log', audit]);
    assert.equal(c.code, 1, c.stderr);
    assert.equal(c.stdout, '', 'no token');
    assert.equal(
      c.stderr,
      `gomodproxy token: cannot write the audit log (--audit-log): open ${audit}: no such file or directory (ENOENT); nothing was changed\n`,
    );
    const l = await runCliProcess(['token', 'list', '--data', data]);
    assert.equal(l.stdout, 'no tokens\n');
  });
});

describe('/readyz after a full disk', () => {
  for (const workers of ['1', '2']) {
    test(`with --workers ${workers}, /readyz says ready again once there is room, with nothing stored meanwhile (a node serving only hits)`, (t) =>
      withSmallDisk(t, async (disk) => {
        const data = path.join(disk.mnt, 'data');
        const proxy = await startProxyProcess({ ...FLAGS, upstream: up.url, data, workers, 'cache-min-free': '0', 'worker-hang-timeout': '0s' });
        try {
          const hit = `${proxy.url}/example.com/lib/@v/v1.0.0.mod`;
          assert.equal((await fetch(hit)).status, 200);
          await disk.fill();
          // Without a Content-Length the zip streams into scratch, which the full disk refuses.
          const zip = '/example.com/lib/@v/v1.1.0.zip';
          up.faults.set(zip, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
          const miss = await fetch(proxy.url + zip);
          assert.equal(miss.status, 503, await miss.text());
          up.faults.clear();
          const readyz = async () => {
            const res = await fetch(`${proxy.url}/readyz`);
            return { degraded: res.headers.get('x-gomodproxy-degraded'), body: await res.text() };
          };
          await eventually(async () => (await readyz()).degraded === 'disk', '/readyz says degraded: disk');
          await disk.free();
          // Only hits from now on: nothing is stored that would end the full disk.
          assert.equal((await fetch(hit)).status, 200);
          await eventually(async () => (await readyz()).body === 'ready\n', '/readyz says ready again');
          assert.equal((await readyz()).degraded, null);
          const back = proxy.logs.filter((l) => l.includes('local storage works again'));
          assert.equal(back.length, 1, back.join('\n'));
          assert.equal((JSON.parse(back[0] as string) as { reason: string }).reason, 'ENOSPC');
          // The disk fills again: said again.
          await disk.fill();
          up.faults.set(zip, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
          assert.equal((await fetch(proxy.url + zip)).status, 503);
          up.faults.clear();
          await eventually(async () => (await readyz()).degraded === 'disk', '/readyz says degraded: disk again');
        } finally {
          up.faults.clear();
          await proxy.stop();
        }
      }));
  }
});
