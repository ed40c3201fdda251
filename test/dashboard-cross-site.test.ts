// Admin changes asked for by a web page of another origin, in a real headless browser (Debian's chromium) on
// the proxy's own machine, where (without --auth) every direct request is an admin's: what a hostile page an
// operator happens to open could do through that browser. The browser sends no CORS preflight for a POST whose
// body is of a "simple" type (a form, or fetch in no-cors mode): the server itself must refuse the change,
// since the page never needs to read the answer. Methods that are preflighted (DELETE, PUT) and JSON token
// creation are refused too; nothing changes.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { CHROMIUM, browserSkip } from './helpers/browser.js';
import { exportPlainBundle } from './helpers/bundle-fixture.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

const skip = await browserSkip();
const ZIP = '/cached-only/example.com/lib/@v/v1.0.0.zip';

let tmp: string;
let bundle: Buffer;
let proxy: RunningProxy;
let site: Server;
let siteUrl: string;
let browser: Browser;
/** The proxy's answers to the hostile page's requests, as the browser saw them: `METHOD path status`. */
const answers: string[] = [];

/** A page of another origin (another port of 127.0.0.1: another origin, the same site): a blank page and the bundle's bytes. */
async function hostileSite(): Promise<Server> {
  const s = createServer((req, res) => {
    if (req.url === '/b.tar') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bundle);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>cat pictures</title><iframe name="sink"></iframe>');
  });
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return s;
}

async function hostilePage(): Promise<Page> {
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.origin === proxy.url) answers.push(`${r.request().method()} ${u.pathname} ${r.status()}`);
  });
  await page.goto(`${siteUrl}/`);
  return page;
}

const tokenNames = async () => ((await (await proxy.get('/api/v1/admin/tokens')).json()) as { tokens: Array<{ name: string }> }).tokens.map((t) => t.name);
const pins = async () => ((await (await proxy.get('/api/v1/admin/pins')).json()) as { pins: unknown[] }).pins;

describe('admin changes asked for by a page of another origin', { skip }, () => {
  before(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'gmp-cross-site-'));
    bundle = await exportPlainBundle(tmp);
    // Without --auth: an admin is whoever asks on this machine, straight to the proxy (the browser does).
    proxy = await startProxy({ upstream: 'off' });
    site = await hostileSite();
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await proxy?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  test('a bundle POSTed by fetch in no-cors mode (no preflight) is refused: nothing is imported', async () => {
    const page = await hostilePage();
    await page.evaluate(async (target) => {
      const body = await (await fetch('/b.tar')).blob();
      await fetch(`${target}/api/v1/admin/bundles`, { method: 'POST', mode: 'no-cors', body: new Blob([body], { type: 'text/plain' }) }).catch(() => undefined);
    }, proxy.url);
    assert.deepEqual(answers.splice(0), ['POST /api/v1/admin/bundles 403']);
    assert.equal((await proxy.get(ZIP)).status, 404, 'the bundle was imported');
    await page.context().close();

    // The same bytes from a client that names no origin (the CLI, curl) on this machine: imported.
    const r = await fetch(`${proxy.url}/api/v1/admin/bundles`, { method: 'POST', body: new Uint8Array(bundle) });
    assert.equal(r.status, 200, await r.text());
    assert.equal((await proxy.get(ZIP)).status, 200);
  });

  test('a token created by a text/plain form POST or a JSON fetch, a pin, an unpin and a purge: all refused, nothing changes', async () => {
    const page = await hostilePage();
    // A form's text/plain body can be made to read as JSON: name `{"name":"evil","scopes":["admin"],"x":"`, value `"}`.
    await page.evaluate((target) => {
      const form = document.createElement('form');
      form.method = 'POST';
      form.enctype = 'text/plain';
      form.action = `${target}/api/v1/admin/tokens`;
      form.target = 'sink';
      const input = document.createElement('input');
      input.name = '{"name":"evil","scopes":["admin"],"expires":"1d';
      input.value = '"}';
      form.append(input);
      document.body.append(form);
      form.submit();
    }, proxy.url);
    await page.waitForEvent('response', (r) => r.url().endsWith('/api/v1/admin/tokens'));
    await page.evaluate(async (target) => {
      const tries = [
        fetch(`${target}/api/v1/admin/tokens`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"name":"evil2","scopes":["admin"]}',
        }),
        fetch(`${target}/api/v1/admin/tokens`, { method: 'POST', mode: 'no-cors', body: '{"name":"evil3","scopes":["admin"]}' }),
        fetch(`${target}/api/v1/admin/pins/example.com/lib/@v/v1.0.0`, { method: 'PUT' }),
        fetch(`${target}/api/v1/admin/modules/example.com/lib/@v/v1.0.0`, { method: 'DELETE' }),
      ];
      await Promise.all(tries.map((t) => t.catch(() => undefined)));
    }, proxy.url);
    assert.deepEqual(await tokenNames(), []);
    assert.deepEqual(await pins(), []);
    assert.equal((await proxy.get(ZIP)).status, 200, 'still cached');
    // What reached the server was refused; the preflighted ones never left the browser.
    assert.deepEqual(answers.splice(0).sort(), ['POST /api/v1/admin/tokens 403', 'POST /api/v1/admin/tokens 403']);
    await page.context().close();
  });
});
