// Integration: the last paths of a full disk, on real processes and a real small file system. What fails while
// the disk is full is said and counted, and everything recovers by itself once there is room again: the server's
// audit log, the CLI's audit record, /readyz, and direct mode's git mirrors.
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openAuditLog } from '../src/audit/audit-log.js';
import { REFETCH_GAP_MS } from '../src/vcs/git-repo.js';
import { eventually } from './helpers/eventually.js';
import { HOST } from './helpers/git-fixtures.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import { startGitServer } from './helpers/git-server.js';
import type { GitServer } from './helpers/git-server.js';
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

describe('the audit file cut mid-line by a full disk', () => {
  test('a line the disk took only part of is ended before the next, so that every later line is whole', (t) =>
    withSmallDisk(t, async (disk) => {
      const file = path.join(disk.mnt, 'audit.jsonl');
      // One line that leaves 40 bytes of its last page: the next line fits only in part once the disk is full.
      const first = `${JSON.stringify({ event: 'denied', pad: 'x'.repeat(4096 - 40 - 28) })}\n`;
      assert.equal(first.length, 4096 - 40);
      await writeFile(file, first);
      await disk.fill();
      const dropped: number[] = [];
      let again = -1;
      const log = openAuditLog(file, undefined, { failing: () => undefined, dropped: () => dropped.push(1), writesAgain: (n) => (again = n) });
      log.record({ event: 'denied', module: 'example.com/cut' });
      await eventually(async () => dropped.length === 1, 'the cut line is counted as dropped');
      await disk.free();
      log.record({ event: 'denied', module: 'example.com/after' });
      await log.close();
      const text = await readFile(file, 'utf8');
      assert.ok(text.startsWith(first));
      const rest = text.slice(first.length).split('\n');
      // The part the disk took, alone on its line; then the gap's line and the event, whole.
      assert.equal(rest.length, 4, JSON.stringify(rest));
      assert.ok(rest[0]?.startsWith('{"time"'), `the cut part: ${rest[0]}`);
      assert.throws(() => JSON.parse(rest[0] as string));
      assert.deepEqual(
        rest.slice(1, 3).map((l) => (JSON.parse(l) as { event: string }).event),
        ['audit.dropped', 'denied'],
      );
      assert.equal(rest[3], '');
      assert.equal(again, 1);
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

describe('direct mode on a full disk', () => {
  let root: string;
  let git: GitServer;
  const mod = `${HOST}/gmp/big`;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gmp-direct-full-'));
    const b = await GitRepoBuilder.init(path.join(root, 'gmp', 'big'));
    // About 1 MiB in the pack (random text compresses little): more than the room left below, less than the disk.
    await b.commit({ 'go.mod': `module ${mod}\n`, 'big.go': 'package big\n', 'blob.txt': randomBytes(1 << 20).toString('base64') });
    await b.tag('v1.0.0');
    git = await startGitServer(root);
  });
  after(() => git?.close());

  /** A 503 that names our disk with Retry-After, and not the repository (nor our paths). */
  async function ourDisk(res: Response): Promise<void> {
    const text = await res.text();
    assert.equal(res.status, 503, text);
    assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
    assert.match(text, /the proxy's disk is full \(ENOSPC\)/);
    assert.doesNotMatch(text, /github|upstream|\/tmp\/|fatal|exit \d/, text);
  }

  /** The answers once there is room: the version's .info and its zip, whole. */
  async function servedWhole(proxy: ProxyProcess): Promise<void> {
    const info = await fetch(`${proxy.url}/${mod}/@v/v1.0.0.info`);
    assert.equal(info.status, 200, await info.clone().text());
    assert.equal(((await info.json()) as { Version: string }).Version, 'v1.0.0');
    const zip = await fetch(`${proxy.url}/${mod}/@v/v1.0.0.zip`);
    const body = Buffer.from(await zip.arrayBuffer());
    assert.equal(zip.status, 200, body.toString().slice(0, 300));
    assert.ok(body.includes(Buffer.from(`${mod}@v1.0.0/blob.txt`)), "the zip holds the repository's files");
  }

  // Nothing left: git cannot even make the mirror. A little left: the mirror is made, its first fetch (a full
  // clone: the blobs too) fails. Room for the mirror: building the zip fails (the blobs of a partial clone, the
  // archive in scratch).
  /** A proxy in direct mode in front of the test's git server, its data directory on the small disk. */
  const startDirectProxy = (data: string, partial: 'on' | 'off') =>
    startProxyProcess({
      ...FLAGS,
      upstream: 'direct',
      'direct-rewrite': `https://${HOST}/=${git.url}/`,
      'direct-partial-clone': partial,
      data,
      'cache-min-free': '0',
    });

  for (const [when, leave, first, partial] of [
    ['making the mirror', 0, 'info', 'on'],
    ['the first fetch', 256 << 10, 'info', 'off'],
    ['building a zip', 0, 'zip', 'on'],
  ] as const) {
    test(`a full disk while ${when} is 503 naming our disk (not a 502 blaming the repository), and once there is room the mirror serves whole`, (t) =>
      withSmallDisk(t, async (disk) => {
        const data = path.join(disk.mnt, 'data');
        const proxy = await startDirectProxy(data, partial);
        try {
          if (first === 'zip') {
            const info = await fetch(`${proxy.url}/${mod}/@v/v1.0.0.info`);
            assert.equal(info.status, 200, await info.text());
          }
          const from = proxy.logs.length;
          await disk.fill('filler', leave);
          await ourDisk(await fetch(`${proxy.url}/${mod}/@v/v1.0.0.${first}`));
          await eventually(async () => proxy.logs.slice(from).some((l) => l.includes('"local storage failing')), 'the run is logged as ours');
          assert.deepEqual(
            proxy.logs.slice(from).filter((l) => l.includes('upstream failure')),
            [],
          );
          if (first === 'info') {
            // No mirror that a later fill would trust: none at all, or one without refs.
            const mirrors = await readdir(path.join(data, 'vcs')).catch(() => [] as string[]);
            assert.equal(mirrors.length, leave > 0 ? 1 : 0, `the mirror was ${leave > 0 ? '' : 'not '}made: ${mirrors.join(' ')}`);
            for (const m of mirrors) {
              assert.doesNotMatch(m, /\.tmp-/, 'no half-made mirror left');
              const refs = await readdir(path.join(data, 'vcs', m, 'refs', 'tags')).catch(() => [] as string[]);
              assert.deepEqual(refs, [], 'no refs from a failed fetch');
            }
          }
          await disk.free();
          await servedWhole(proxy);
        } finally {
          await proxy.stop();
        }
      }));
  }

  // A commit the mirror has not seen (pushed after its last fetch) is fetched for: when that fetch fails on our full
  // disk, the refs the mirror still holds cannot say the commit does not exist. A pseudo-version (a 12-digit hash)
  // never reads through a partial clone; a full hash does where the clone is partial (a lazy fetch, which fails
  // too). Once there is room, the next fetch brings it: a request within the gap waits for that fetch (never a 404).
  for (const [query, partial] of [
    ['pseudo', 'on'],
    ['hash', 'on'],
    ['hash', 'off'],
  ] as const) {
    test(`a commit pushed since the mirror's last fetch, asked for by ${query === 'hash' ? 'its full hash' : 'pseudo-version'} (partial clone ${partial}) while the fetch for it meets a full disk: 503 naming our disk, not 404; 200 once there is room`, (t) =>
      withSmallDisk(t, async (disk) => {
        const name = `gmp/later-${query}-${partial}`;
        const b = await GitRepoBuilder.init(path.join(root, name));
        await b.commit({ 'go.mod': `module ${HOST}/${name}\n`, 'later.go': 'package later\n' });
        await b.tag('v1.0.0');
        const data = path.join(disk.mnt, 'data');
        const proxy = await startDirectProxy(data, partial);
        try {
          const base = `${proxy.url}/${HOST}/${name}/@v/`;
          const first = await fetch(`${base}v1.0.0.info`);
          assert.equal(first.status, 200, await first.text());
          const hash = await b.commit({ 'later.go': 'package later\n\nconst Pushed = true\n' });
          const time = new Date(Number(await b.git('show', '-s', '--format=%ct', hash)) * 1000).toISOString().replace(/\D/g, '').slice(0, 14);
          const pseudo = `v1.0.1-0.${time}-${hash.slice(0, 12)}`;
          const url = `${base}${query === 'hash' ? hash : pseudo}.info`;
          // Past the gap after the fetch just made for v1.0.0: the fetch for the hash starts at once, on the full disk.
          await new Promise((r) => setTimeout(r, REFETCH_GAP_MS + 100));
          await disk.fill();
          await ourDisk(await fetch(url));
          await disk.free();
          const seen = new Set<number>();
          await eventually(async () => {
            const res = await fetch(url);
            seen.add(res.status);
            if (res.status !== 200) return false;
            assert.equal(((await res.json()) as { Version: string }).Version, pseudo);
            return true;
          }, 'the commit is served');
          assert.deepEqual(
            [...seen].filter((s) => s !== 200 && s !== 503),
            [],
            'never another answer (a 404 remembered)',
          );
        } finally {
          await proxy.stop();
        }
      }));
  }
});
