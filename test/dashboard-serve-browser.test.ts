// The dashboard of a real `serve --workers 2 --auth all` in a headless browser signed in with HTTP Basic (any
// user name, the token as the password), as a second-tier mirror runs it: with --cache-max-size and following
// its parent's feed. The Ops view's storage card shows the cache as eviction measured it against the cap, the
// follow card the parent's feed (never its credentials) with its lag, whichever worker runs the evictor and the
// follower; the Admin view says which token the browser's login sent and why it is (not) an admin.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { main } from '../src/cli/main.js';
import type { Ops } from '../src/dashboard/api-types.js';
import { browserSkip, startBrowser } from './helpers/browser.js';
import type { BrowserSession } from './helpers/browser.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { rawRequest } from './helpers/raw-http.js';

const skip = await browserSkip();
const WAIT = { timeout: 90_000 };
const SECRET = 's3cret-follow-token';
/** A browser reaching the proxy through a reverse proxy: not this machine, so only an admin token is an admin. */
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };

let root: string;
let up: FakeUpstream;
let parent: RunningProxy;
let child: ProxyProcess;
let browser: BrowserSession;
const tokens = { reader: '', admin: '' };

async function createToken(name: string, scope: string): Promise<string> {
  const c = captureIO();
  assert.equal(await main(['token', 'create', '--name', name, '--scope', scope, '--data', path.join(root, 'child')], c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}

const basic = (token: string) => `Basic ${Buffer.from(`me:${token}`).toString('base64')}`;

/** /api/v1/ops on a connection of its own, so that the questions spread over both workers. */
async function ops(): Promise<Ops> {
  const port = Number(new URL(child.url).port);
  const head = `GET /api/v1/ops HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: ${basic(tokens.reader)}\r\nConnection: close\r\n\r\n`;
  const res = await rawRequest(port, head, 60_000);
  assert.equal(res.status, 200, res.body);
  return JSON.parse(res.body) as Ops;
}

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent(WAIT)) ?? '').trim();

describe('the dashboard of serve --workers 2 --auth all, signed in with HTTP Basic', { skip }, () => {
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gmp-ui-serve-'));
    up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), sampleModules()));
    parent = await startProxy({ upstream: up.url });
    // What the parent stores is in its feed for the child to follow.
    for (const v of ['v1.0.0', 'v1.1.0']) assert.equal((await parent.get(`/example.com/lib/@v/${v}.zip`)).status, 200);
    const port = new URL(parent.url).port;
    child = await startProxyProcess({
      workers: '2',
      data: path.join(root, 'child'),
      upstream: parent.url,
      follow: `http://mirror:${SECRET}@127.0.0.1:${port}`,
      'follow-interval': '200ms',
      'cache-max-size': '1GiB',
      sumdb: 'off',
      'own-sumdb': 'off',
      auth: 'all',
    });
    tokens.reader = await createToken('reader', 'read:example.com');
    tokens.admin = await createToken('ops', 'admin');
    browser = await startBrowser(child.url);
  });
  after(async () => {
    await browser?.close();
    await child?.stop();
    await parent?.close();
    await up?.close();
    await rm(root, { recursive: true, force: true });
  });

  test('whichever worker is asked, the figures are those of the worker that evicts and the one that follows', async () => {
    const feed = `http://127.0.0.1:${new URL(parent.url).port}`;
    await eventually(async () => {
      const o = await ops();
      return o.storage.measured !== undefined && o.follow[0]?.lagSeconds !== undefined && (o.follow[0]?.entries.stored ?? 0) >= 2;
    }, 'the cache is measured and the feed followed');
    for (let i = 0; i < 6; i++) {
      const o = await ops();
      assert.equal(o.processes, 2);
      assert.deepEqual(o.storage.cap, { bytes: 1024 ** 3, highPercent: 95, lowPercent: 85 });
      // Measured by the pass at start (the next one in 5 minutes, or once fills may cross the high watermark).
      assert.ok((o.storage.measured?.bytes ?? -1) >= 0 && (o.storage.measured?.at ?? 0) > 0, JSON.stringify(o.storage));
      assert.equal(o.follow.length, 1);
      const f = o.follow[0];
      assert.equal(f?.feed, feed);
      assert.equal(f?.following, true, 'one worker follows it');
      assert.equal(f?.refused, false);
      assert.ok((f?.entries.stored ?? 0) >= 2, JSON.stringify(f));
    }
  });

  test('Ops shows the cache size eviction measured against the cap, and the followed feed with its lag, without its credentials', async () => {
    const ctx = await browser.context({ httpCredentials: { username: 'me', password: tokens.reader }, extraHTTPHeaders: REMOTE });
    const page = await ctx.newPage();
    await page.goto(`${child.url}/ui/ops`);
    const storage = page.locator('[data-test=storage]');
    await storage.locator('.value', { hasText: /^\d+(\.\d)? (B|KiB|MiB) \/ 1\.0 GiB$/ }).waitFor(WAIT);
    assert.equal(await text(page, '[data-test=storage] .label'), 'storage used / cap');
    assert.match(
      await text(page, '[data-test=storage] .note'),
      /^at the last eviction check, .+; evicts above 95 % down to 85 %; .+ free on its file system now$/,
    );
    const follow = page.locator('[data-test=follow]');
    await follow.locator('.value', { hasText: /^\d+ s$/ }).waitFor(WAIT);
    assert.match(
      await text(page, '[data-test=follow] .note'),
      new RegExp(`^http://127\\.0\\.0\\.1:${new URL(parent.url).port}: followed here; [2-9]\\d* stored, \\d+ errors$`),
    );
    assert.ok(!(await page.content()).includes(SECRET), "the feed's credentials are not shown");
    await ctx.close();
  });

  test('Admin names the token the login sends; a read token is told it has no admin scope, an admin token is an admin', async () => {
    const reader = await browser.context({ httpCredentials: { username: 'me', password: tokens.reader }, extraHTTPHeaders: REMOTE });
    const page = await reader.newPage();
    await page.goto(`${child.url}/ui/admin`);
    await page.locator('[data-test=no-admin]').waitFor(WAIT);
    assert.equal(
      await text(page, '[data-test=token-state]'),
      "No token kept in this tab: the dashboard's requests carry token reader, the one this browser signed in with (HTTP Basic). A token pasted here is sent instead.",
    );
    assert.match(await text(page, '[data-test=no-admin]'), /^You have no admin access: token reader has no admin scope\. Paste an admin token above/);
    assert.equal(await page.getByRole('button', { name: 'Purge' }).isDisabled(), true);
    await reader.close();

    const admin = await browser.context({ httpCredentials: { username: 'me', password: tokens.admin }, extraHTTPHeaders: REMOTE });
    const adminPage = await admin.newPage();
    await adminPage.goto(`${child.url}/ui/admin`);
    await adminPage.locator('[data-test=tokens]').waitFor(WAIT);
    assert.match(await text(adminPage, '[data-test=token-state]'), /carry token ops, the one this browser signed in with/);
    assert.equal(await adminPage.locator('[data-test=no-admin]').count(), 0);
    await admin.close();
  });

  test('no page asked anything of another origin', () => {
    assert.deepEqual(browser.foreign, []);
  });
});
