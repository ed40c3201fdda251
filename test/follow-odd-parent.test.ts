// Following a parent whose feed is odd or hostile: a page size capped below ours, entries repeated at page
// boundaries, stamps in the future, answers that are no feed at all (a web page, an endless body), and a
// parent behind credentials that must never reach logs, metrics or messages.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

let root: string;
let up: FakeUpstream;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-follow-odd-'));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), sampleModules()));
});
after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

interface Entry {
  readonly Path: string;
  readonly Version: string;
  readonly Timestamp: string;
}

const nanos = (t: string) => BigInt(Date.parse(t.replace(/\.\d+/, ''))) * 1_000_000n + BigInt((/\.(\d+)/.exec(t)?.[1] ?? '').padEnd(9, '0'));

/** A parent's feed: oldest first, `since` inclusive, at most min(limit, cap) entries a page; `answer` may replace it. */
async function startFeed(
  entries: Entry[],
  opts: { cap?: number; answer?: (req: IncomingMessage, res: ServerResponse) => boolean } = {},
): Promise<{ url: string; asked: string[]; close: () => Promise<void> }> {
  const asked: string[] = [];
  const server = createServer((req, res) => {
    asked.push(req.url ?? '/');
    if (opts.answer?.(req, res) === true) return;
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    const since = q.get('since');
    const limit = Math.min(Number(q.get('limit') ?? 2000), opts.cap ?? 2000);
    const page = [...entries]
      .sort((a, b) => (nanos(a.Timestamp) < nanos(b.Timestamp) ? -1 : nanos(a.Timestamp) > nanos(b.Timestamp) ? 1 : 0))
      .filter((e) => since === null || nanos(e.Timestamp) >= nanos(since))
      .slice(0, limit);
    res.writeHead(200, { 'content-type': 'application/json' }).end(page.map((e) => `${JSON.stringify(e)}\n`).join(''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    asked,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function runSync(o: { follow: string; data: string; extra?: string[] }) {
  const c = captureIO({ env: {}, signal: AbortSignal.timeout(60_000) });
  const flags = ['--follow', o.follow, '--upstream', up.url, '--data', o.data, '--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'warn'];
  const code = await main(['sync', ...flags, ...(o.extra ?? [])], c.io);
  return { code, out: c.text.stdout, err: c.text.stderr };
}

/** 250 entries, stamped in runs of three equal stamps (so runs straddle every page boundary of 100). */
function manyEntries(): Entry[] {
  const stamp = (i: number) => `2024-01-01T00:00:00.${String(Math.floor(i / 3) + 1).padStart(6, '0')}Z`;
  const libAt: Record<number, string> = { 99: 'v1.0.0', 100: 'v1.1.0', 249: 'v1.2.0-rc.1' };
  return Array.from({ length: 250 }, (_, i) => ({
    Path: libAt[i] === undefined ? `example.com/other/m${i}` : 'example.com/lib',
    Version: libAt[i] ?? 'v1.0.0',
    Timestamp: stamp(i),
  }));
}

test('a parent that pages by 100 (fewer than asked while more exist): one sync stores everything, each entry counted once', async () => {
  const feed = await startFeed(manyEntries(), { cap: 100 });
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-short-'));
  try {
    const first = await runSync({ follow: feed.url, data, extra: ['--follow-prefix', 'example.com/lib'] });
    assert.equal(first.code, 0, first.out + first.err);
    assert.match(first.out, /: caught up: 3 stored, 0 already here, .* 247 outside --follow-prefix/);
    const again = await runSync({ follow: feed.url, data, extra: ['--follow-prefix', 'example.com/lib'] });
    assert.match(again.out, /: caught up: 0 stored, 0 already here, .* 0 outside --follow-prefix/);
  } finally {
    await feed.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('an entry listed twice on one page is stored and counted once', async () => {
  const e = { Path: 'example.com/lib', Version: 'v1.0.0', Timestamp: '2024-01-01T00:00:01Z' };
  const feed = await startFeed([e, e, { ...e, Version: 'v1.1.0', Timestamp: '2024-01-01T00:00:02Z' }]);
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-twice-'));
  try {
    const r = await runSync({ follow: feed.url, data, extra: ['--follow-concurrency', '4'] });
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /: caught up: 2 stored, 0 already here/);
  } finally {
    await feed.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('an entry stamped far in the future is held back, and versions the parent lists later with real stamps are still stored', async () => {
  const entries: Entry[] = [
    { Path: 'example.com/lib', Version: 'v1.0.0', Timestamp: '2024-01-01T00:00:01Z' },
    { Path: 'example.com/lib', Version: 'v1.1.0', Timestamp: '2999-01-01T00:00:00Z' },
  ];
  const feed = await startFeed(entries);
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-future-'));
  try {
    const first = await runSync({ follow: feed.url, data });
    assert.equal(first.code, 0, first.out + first.err);
    assert.match(first.out, /: caught up: 1 stored/);
    assert.match(first.out, /1 held back: stamped after now/);
    // The parent's clock is right again: what it stores now is stamped before the entry from the future.
    entries.push({ Path: 'example.com/lib', Version: 'v1.2.0-rc.1', Timestamp: '2025-01-01T00:00:00Z' });
    const next = await runSync({ follow: feed.url, data });
    assert.equal(next.code, 0, next.out + next.err);
    assert.match(next.out, /: caught up: 1 stored/);
  } finally {
    await feed.close();
    await rm(data, { recursive: true, force: true });
  }
});

test('serve --follow counts each entry once in gomodproxy_follow_entries_total, repeated at page boundaries or within a page', async () => {
  const entries = manyEntries();
  entries.push(entries[100] as Entry); // lib v1.1.0 listed twice on one page
  const feed = await startFeed(entries, { cap: 100 });
  const child = await startProxy({ upstream: up.url, follow: feed.url, 'follow-interval': '100ms', 'follow-prefix': 'example.com/lib' });
  const counted = async () => {
    const text = await (await child.get('/metrics')).text();
    const n = (result: string) => Number(new RegExp(`gomodproxy_follow_entries_total\\{[^}]*result="${result}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { stored: n('stored'), present: n('present'), ignored: n('ignored') };
  };
  try {
    await eventually(async () => (await counted()).ignored >= 247 && (await counted()).stored >= 3, 'the child follows the whole feed');
    // A few more catch-ups, each asking from its cursor again: nothing is counted twice.
    const asked = feed.asked.length;
    await eventually(async () => feed.asked.length >= asked + 3, 'the child asks again');
    assert.deepEqual(await counted(), { stored: 3, present: 0, ignored: 247 });
  } finally {
    await child.close();
    await feed.close();
  }
});

test('a parent answering 200 with a web page, an endless body or a trickle: one clear line, exit 1, and the cursor stays', async () => {
  const good = [{ Path: 'example.com/lib', Version: 'v1.0.0', Timestamp: '2024-01-01T00:00:01Z' }];
  let mode: 'html' | 'endless' | 'trickle' | 'feed' = 'html';
  const timers = new Set<NodeJS.Timeout>();
  const feed = await startFeed(good, {
    answer: (_req, res) => {
      if (mode === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html>\n<html><body>Sign in to continue</body></html>\n');
        return true;
      }
      if (mode === 'feed') return false;
      res.writeHead(200, { 'content-type': 'application/json' });
      const line = `${JSON.stringify(good[0])}\n`;
      if (mode === 'endless') {
        // As fast as the follower reads: it must stop at its page limit, not buffer on.
        const chunk = line.repeat(1000);
        const more = () => {
          while (res.write(chunk));
        };
        res.on('drain', more);
        res.on('close', () => res.off('drain', more));
        more();
        return true;
      }
      // One line every 200 ms for ever: each gap well inside the idle timeout.
      const timer = setInterval(() => res.write(line), 200);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
      return true;
    },
  });
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-garbage-'));
  const sync = () => runSync({ follow: feed.url, data, extra: ['--fill-deadline', '2s', '--retries', '0'] });
  try {
    const html = await sync();
    assert.equal(html.code, 1, html.out + html.err);
    assert.match(html.err, /^gomodproxy sync: .*the answer is a web page \(HTML\), not JSON lines.*\n$/);
    mode = 'endless';
    const endless = await sync();
    assert.equal(endless.code, 1, endless.out + endless.err);
    assert.match(endless.err, /^gomodproxy sync: .*index page: larger than 16 MiB\n$/);
    mode = 'trickle';
    const trickle = await sync();
    assert.equal(trickle.code, 1, trickle.out + trickle.err);
    assert.match(trickle.err, /^gomodproxy sync: index page of http:\/\/127\.0\.0\.1:\d+: gave up after .*too slowly/);
    // None of them moved the cursor: the feed, once it answers, is followed from its start.
    mode = 'feed';
    const ok = await sync();
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /: caught up: 1 stored/);
  } finally {
    for (const t of timers) clearInterval(t);
    await feed.close();
    await rm(data, { recursive: true, force: true });
  }
});

test("a parent's credentials never reach a message: not from a mistyped URL, nor from an answer that echoes them", async () => {
  const secret = 's3cret-token';
  const basic = `Basic ${Buffer.from(`follower:${secret}`).toString('base64')}`;
  const checked = captureIO({ env: {} });
  const bad = `http://follower:${secret}@127.0.0.1:99999`;
  assert.equal(await main(['config', 'check', '--follow', bad, '--upstream', bad], checked.io), 1);
  assert.match(checked.text.stderr, /follow URL "http:\/\/\*\*\*@127\.0\.0\.1:99999"/);
  assert.match(checked.text.stderr, /invalid proxy URL "http:\/\/\*\*\*@127\.0\.0\.1:99999"/);
  assert.doesNotMatch(checked.text.stdout + checked.text.stderr, new RegExp(secret));
  // A parent behind Basic auth that echoes what it was sent: in a line that is no entry, and in a refusal.
  let refuse = false;
  const feed = await startFeed([], {
    answer: (req, res) => {
      if (req.headers.authorization !== basic) return (void res.writeHead(401).end('who are you?\n'), true);
      const echo = `you sent ${req.headers.authorization} (follower:${secret}, password ${secret})\n`;
      res.writeHead(refuse ? 403 : 200, { 'content-type': 'text/plain' }).end(echo);
      return true;
    },
  });
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-sync-secret-'));
  const withToken = feed.url.replace('http://', `http://follower:${secret}@`);
  try {
    const echoed = await runSync({ follow: withToken, data });
    assert.equal(echoed.code, 1, echoed.out + echoed.err);
    assert.match(
      echoed.err,
      /^gomodproxy sync: feed http:\/\/127\.0\.0\.1:\d+ sent an invalid index line "you sent Basic \*\*\* \(\*\*\*, password \*\*\*\)"\n$/,
    );
    refuse = true;
    const refused = await runSync({ follow: withToken, data });
    assert.equal(refused.code, 1, refused.out + refused.err);
    assert.match(refused.err, /^gomodproxy sync: feed http:\/\/127\.0\.0\.1:\d+ answered 403/);
    for (const text of [echoed.err, refused.err]) assert.ok(!text.includes(secret) && !text.includes(basic.slice(6)), text);
  } finally {
    await feed.close();
    await rm(data, { recursive: true, force: true });
  }
});
