// The dashboard in a real headless browser (Debian's chromium through playwright-core), as a new user meets
// it: the go command set up from the lines the Setup view copies, the Ops view's live numbers moving as that go
// command downloads through the proxy, Modules finding the module with its verified h1, a purge that only an
// admin may make, a remote admin's token used to create and revoke a token and to pin and unpin a version
// (the proxy runs with --auth private, so tokens count), and not one request leaving 127.0.0.1.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { main } from '../src/cli/main.js';
import { CSP } from '../src/dashboard/ui-routes.js';
import { browserSkip, startBrowser } from './helpers/browser.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import type { BrowserSession } from './helpers/browser.js';
import { pristineGo, startDashboardFixture } from './helpers/dashboard-fixture.js';
import type { DashboardFixture } from './helpers/dashboard-fixture.js';
import { goDownload } from './helpers/go.js';
import type { Download, GoEnv } from './helpers/go.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

const skip = await browserSkip();
const WAIT = { timeout: 90_000 };

let fx: DashboardFixture;
let browser: BrowserSession;
let ctx: BrowserContext;
let go: GoEnv;
let downloaded: Download | undefined;

/** `gomodproxy token create`/`pin --list` against the proxy's data directory, as an operator runs them. */
async function cli(args: string[]): Promise<string> {
  const c = captureIO();
  assert.equal(await main([...args, '--data', fx.proxy.dataDir], c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}
const cliToken = (name: string, scope: string) => cli(['token', 'create', '--name', name, '--scope', scope]);
const cliPins = async () => (await cli(['pin', '--list'])).split('\n').filter(Boolean);

const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent(WAIT)) ?? '').trim();

describe('the dashboard in a headless browser', { skip }, () => {
  before(async () => {
    fx = await startDashboardFixture({ auth: 'private' });
    browser = await startBrowser(fx.proxy.url);
    // The Setup view's copy buttons write to the clipboard; the test reads it back from there.
    ctx = await browser.context({ viewport: { width: 1280, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
    go = await pristineGo();
  });
  after(async () => {
    await browser?.close();
    await fx?.close();
  });

  test('Setup shows the go env -w lines; pasted into a shell, they point the go command at this proxy and its own checksum database', async () => {
    const page = await ctx.newPage();
    const res = await page.goto(`${fx.proxy.url}/ui/setup`);
    assert.equal(res?.status(), 200);
    assert.equal(res?.headers()['content-security-policy'], CSP);
    assert.match(CSP, /default-src 'self'/);
    const lines = await text(page, '[data-test=go-env]');
    assert.match(lines, new RegExp(`^go env -w 'GOPROXY=${fx.proxy.url},direct'$`, 'm'));
    assert.match(lines, /^go env -w 'GOSUMDB=sum\.gomodproxy\.local\+[0-9a-f]{8}\+\S+ http:\/\/127\.0\.0\.1:\d+\/sumdb\/sum\.gomodproxy\.local'$/m);
    await page.locator('[data-test=go-env] + button.copy').click();
    await page.getByRole('button', { name: 'copied' }).waitFor(WAIT);
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, lines);
    // What a user does next: paste the lines into a shell.
    await promisify(execFile)('sh', ['-c', copied], { env: go.env, cwd: go.home });
    const r = await promisify(execFile)(go.bin, ['env', 'GOPROXY'], { env: go.env });
    assert.equal(r.stdout.trim(), `${fx.proxy.url},direct`);
    await page.close();
  });

  test('on a phone-wide screen the Setup view fits without scrolling sideways', async () => {
    const phone = await browser.context({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    await page.goto(`${fx.proxy.url}/ui/setup`);
    await page.locator('[data-test=go-env]').waitFor(WAIT);
    const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
    assert.ok(scroll <= width, `page is ${scroll}px wide in a ${width}px viewport`);
    await phone.close();
  });

  test('Ops shows the hit ratio and a healthy upstream once the go command downloaded through the proxy, without a reload', async () => {
    const page = await ctx.newPage();
    await page.goto(`${fx.proxy.url}/ui/ops`);
    const hitRatio = page.locator('[data-test=hit-ratio]');
    await hitRatio.waitFor(WAIT);
    assert.match(await text(page, '[data-test=hit-ratio] .note'), /^0 hits, 0 misses$/);
    // The upstream's row (the checksum database has a row of its own).
    const upstream = page.locator('[data-test=upstreams] tr', { hasText: fx.up.url }).locator('[data-test=upstream-state]');
    assert.equal((await upstream.textContent(WAIT))?.trim(), 'idle (no requests yet)');
    const documents = () => browser.requests.filter((u) => new URL(u).pathname.startsWith('/ui/ops')).length;
    const loads = documents();

    // Twice, each with an empty module cache: the first fills (misses), the second is served from the cache (hits).
    for (let i = 0; i < 2; i++) {
      const fresh = i === 0 ? go : await pristineGo(go.env.GOENV);
      const { result, downloads } = await goDownload(fresh, ['example.com/lib@v1.0.0']);
      assert.equal(result.code, 0, result.stderr);
      downloaded = downloads[0];
    }
    assert.match(downloaded?.Sum ?? '', /^h1:/);

    await page.locator('[data-test=hit-ratio] .note', { hasText: /^[1-9]\d* hits, [1-9]\d* misses$/ }).waitFor(WAIT);
    assert.match(await text(page, '[data-test=hit-ratio] .value'), /^\d+\.\d %$/);
    assert.notEqual(await text(page, '[data-test=hit-ratio] .value'), '0.0 %');
    await upstream.filter({ hasText: /^healthy$/ }).waitFor(WAIT);
    assert.equal(documents(), loads, 'the numbers changed without the page being loaded again');
    await page.close();
  });

  test('Modules finds the module by prefix and shows the h1 the go command got, verified by the checksum database', async () => {
    assert.ok(downloaded !== undefined, 'the Ops test downloaded a module');
    const page = await ctx.newPage();
    await page.goto(`${fx.proxy.url}/ui/modules`);
    await page.getByLabel('module path prefix').fill('example.com/l');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/ui\/modules\?q=example\.com%2Fl$/, WAIT);
    await page.locator('[data-test=modules] a', { hasText: 'example.com/lib' }).click();
    await page.waitForURL(`${fx.proxy.url}/ui/modules/example.com/lib`, WAIT);
    const row = page.locator('[data-test=versions] tr', { hasText: 'v1.0.0' });
    assert.equal(await row.locator('td.hash').textContent(WAIT), downloaded.Sum);
    await row.getByRole('link', { name: 'v1.0.0' }).click();
    await page.waitForURL(`${fx.proxy.url}/ui/modules/example.com/lib/@v/v1.0.0`, WAIT);
    assert.equal(await text(page, '[data-test=zip-hash] [data-test=h1]'), downloaded.Sum);
    assert.equal(await text(page, '[data-test=zip-hash] [data-test=verified-by]'), `✓ verified by ${fx.db.name}`);
    assert.equal(await text(page, '[data-test=mod-hash] [data-test=h1]'), downloaded.GoModSum);
    assert.equal(await text(page, '[data-test=mod-hash] [data-test=verified-by]'), `✓ verified by ${fx.db.name}`);
    // Its own URL: opened afresh, the same page.
    const again = await ctx.newPage();
    await again.goto(page.url());
    assert.equal(await text(again, '[data-test=zip-hash] [data-test=h1]'), downloaded.Sum);
    await again.close();
    await page.close();
  });

  test('a +incompatible version opens from its module page: the + its link escapes is decoded again', async () => {
    assert.equal((await fx.proxy.get('/example.com/old/@v/v2.0.0+incompatible.zip')).status, 200);
    const page = await ctx.newPage();
    await page.goto(`${fx.proxy.url}/ui/modules/example.com/old`);
    await page.locator('[data-test=versions]').getByRole('link', { name: 'v2.0.0+incompatible' }).click();
    await page.waitForURL(/\/ui\/modules\/example\.com\/old\/@v\/v2\.0\.0/, WAIT);
    assert.equal(await text(page, 'main h1'), 'example.com/old@v2.0.0+incompatible');
    assert.match(await text(page, '[data-test=zip-hash] [data-test=h1]'), /^h1:/);
    await page.close();
  });

  test('a purge needs admin rights: refused to a request that came through a reverse proxy, done for one on this machine', async () => {
    const target = `${fx.proxy.url}/ui/admin?module=example.com/lib&version=v1.0.0`;
    // Behind a reverse proxy (X-Forwarded-For) a browser without a token is not an admin: the button stays off, the API says 401.
    const outside = await browser.context({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.7' } });
    const page = await outside.newPage();
    await page.goto(target);
    await page.getByText('You have no admin access').waitFor(WAIT);
    assert.equal(await page.getByRole('button', { name: 'Purge' }).isDisabled(), true);
    const status = await page.evaluate(async () => (await fetch('/api/v1/admin/modules/example.com/lib/@v/v1.0.0', { method: 'DELETE' })).status);
    assert.equal(status, 401);
    await outside.close();
    assert.equal((await fx.proxy.get('/cached-only/example.com/lib/@v/v1.0.0.zip')).status, 200, 'still cached');

    const admin = await ctx.newPage();
    await admin.goto(target);
    await admin.getByRole('button', { name: 'Purge' }).click();
    await admin.getByRole('button', { name: 'Really purge v1.0.0?' }).click();
    assert.match(await text(admin, '[data-test=purge-result]'), /^Purged example\.com\/lib@v1\.0\.0: deleted .*\.zip/);
    assert.equal((await fx.proxy.get('/cached-only/example.com/lib/@v/v1.0.0.zip')).status, 404, 'gone from the cache');
    await admin.close();
  });

  test('a remote admin enters a token, creates a token (its secret shown once, copied), revokes it, and pins and unpins a version', async () => {
    const admin = await cliToken('ops', 'admin');
    const remote = await browser.context({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.7' }, permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await remote.newPage();
    await page.goto(`${fx.proxy.url}/ui/admin`);
    await page.locator('[data-test=no-admin]').waitFor(WAIT);
    await page.getByLabel('admin token').fill(admin);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByText('Using token ops in this tab.').waitFor(WAIT);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('gomodproxy.token')), admin);
    assert.equal(await page.locator('[data-test=no-admin]').count(), 0);

    await page.getByLabel('token name').fill('ci');
    await page.getByLabel('token scopes').fill('read:example.com');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await text(page, '[data-test=token-secret]');
    assert.match(secret, /^gmp_[0-9a-f]{16}_\S{43}$/);
    await page.locator('[data-test=new-token] button.copy').click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
    const ci = page.locator('[data-test=tokens] tr', { hasText: 'read:example.com' });
    assert.equal(await text(page, '[data-test=tokens] tr:has-text("read:example.com") [data-test=token-status]'), 'active');
    // The secret is a real token: the server knows it as ci.
    const who = async () => (await fetch(`${fx.proxy.url}/api/v1/admin`, { headers: { authorization: `Bearer ${secret}` } })).status;
    assert.equal(await who(), 200);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    await ci.waitFor(WAIT);
    assert.ok(!(await page.content()).includes(secret), 'the secret is shown once only');

    await ci.getByRole('button', { name: 'Revoke' }).click();
    await ci.getByRole('button', { name: 'Really revoke ci?' }).click();
    await ci.locator('[data-test=token-status]', { hasText: /^revoked / }).waitFor(WAIT);
    await eventually(async () => (await who()) === 401, 'the revoked token is refused');

    await page.getByLabel('pin module path').fill('example.com/lib');
    await page.getByLabel('pin version').fill('v1.1.0');
    await page.getByRole('button', { name: 'Pin' }).click();
    const pinned = page.locator('[data-test=pins] tr', { hasText: 'v1.1.0' });
    await pinned.waitFor(WAIT);
    assert.deepEqual(await cliPins(), ['example.com/lib@v1.1.0']);
    await pinned.getByRole('button', { name: 'Unpin' }).click();
    await pinned.getByRole('button', { name: 'Really unpin v1.1.0?' }).click();
    await page.locator('[data-test=no-pins]').waitFor(WAIT);
    assert.deepEqual(await cliPins(), []);

    await page.getByRole('button', { name: 'Forget token' }).click();
    await page.locator('[data-test=no-admin]').waitFor(WAIT);
    assert.ok(!browser.requests.some((u) => u.includes(admin) || u.includes(secret)), 'a token in a URL');
    await remote.close();
  });

  test('no page asked anything of another origin', () => {
    assert.ok(browser.requests.length > 10, `${browser.requests.length} requests recorded`);
    assert.deepEqual(browser.foreign, []);
  });
});

describe('unpinning in the Admin view a version a --pin-from file also pins', { skip }, () => {
  let root: string;
  let proxy: RunningProxy;
  let session: BrowserSession;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'gmp-ui-pins-'));
    await writeFile(path.join(root, 'pins.txt'), 'example.com/lib@v1.1.0\n');
    proxy = await startProxy({ upstream: 'off', 'pin-from': path.join(root, 'pins.txt') });
    session = await startBrowser(proxy.url);
  });
  after(async () => {
    await session?.close();
    await proxy?.close();
    await rm(root, { recursive: true, force: true });
  });

  test("the answer says it stays pinned, naming the file, and the row stays as the file's", async () => {
    // This machine straight to the proxy, no --auth: an admin without a token.
    const ctx = await session.context();
    const page = await ctx.newPage();
    await page.goto(`${proxy.url}/ui/admin`);
    await page.getByLabel('pin module path').fill('example.com/lib');
    await page.getByLabel('pin version').fill('v1.1.0');
    await page.getByRole('button', { name: 'Pin' }).click();
    const row = page.locator('[data-test=pins] tr', { hasText: 'v1.1.0' });
    await row.getByRole('button', { name: 'Unpin' }).waitFor(WAIT);
    await row.getByRole('button', { name: 'Unpin' }).click();
    await row.getByRole('button', { name: 'Really unpin v1.1.0?' }).click();
    const outcome = page.locator('[data-test=pin-result].error');
    await outcome.waitFor(WAIT);
    assert.equal(
      (await outcome.textContent())?.trim(),
      `Unpinned example.com/lib@v1.1.0 here, but it stays pinned: the server's --pin-from ${path.join(root, 'pins.txt')} lists it (remove it there).`,
    );
    await row.getByText('--pin-from file').waitFor(WAIT);
    assert.equal(await row.getByRole('button', { name: 'Unpin' }).count(), 0);
    await ctx.close();
  });
});
