// `npm run screenshots`: the README's pictures of the dashboard, taken by the same headless chromium the
// browser test drives, of a proxy that the real go command downloaded through for half a minute. Writes docs/dashboard-*.png.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBrowser } from '../test/helpers/browser.js';
import { pristineGo, startDashboardFixture } from '../test/helpers/dashboard-fixture.js';
import { goDownload } from '../test/helpers/go.js';

const docs = fileURLToPath(new URL('../docs/', import.meta.url));
const fx = await startDashboardFixture();
const browser = await startBrowser(fx.proxy.url);
try {
  const ctx = await browser.context({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
  const page = await ctx.newPage();
  const url = (p: string) => `${fx.proxy.url}${p}`;
  await page.goto(url('/ui/setup'));
  const go = await pristineGo();
  await page.locator('[data-test=go-env]').waitFor();
  const lines = (await page.locator('[data-test=go-env]').textContent()) ?? '';
  // Set up as a user would: the go env -w lines from the Setup view, run by a shell.
  execFileSync('sh', ['-c', lines], { env: go.env, cwd: go.home });
  // Traffic for the charts: the go command with empty module caches, a few downloads every few seconds.
  const wanted = ['example.com/lib@v1.0.0', 'example.com/lib@v1.1.0', 'example.com/Upper/Case@v0.1.0', 'example.com/old@v2.0.0+incompatible'];
  for (let round = 0; round < 8; round++) {
    const { result } = await goDownload(await pristineGo(go.env.GOENV), wanted.slice(0, 1 + (round % wanted.length)));
    if (result.code !== 0) throw new Error(result.stderr);
    await sleep(4000);
  }
  // Something for the Admin view to list: two tokens and a pin, made through its API as an admin on this machine.
  const post = (p: string, method: string, body?: unknown) =>
    fetch(url(p), {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  for (const [name, scopes, expires] of [
    ['ci', ['read:example.com/*'], '90d'],
    ['release', ['publish:example.com/lib', 'read:example.com/*'], undefined],
  ] as const) {
    if (!(await post('/api/v1/admin/tokens', 'POST', { name, scopes, expires })).ok) throw new Error(`creating token ${name}`);
  }
  if (!(await post('/api/v1/admin/pins/example.com/lib/@v/v1.1.0', 'PUT')).ok) throw new Error('pinning');
  const shots: Array<[string, string, string]> = [
    ['setup', '/ui/setup', '[data-test=go-env]'],
    ['ops', '/ui/ops', '[data-test=hit-ratio]'],
    ['modules', '/ui/modules?q=example.com/', '[data-test=modules] li'],
    ['module', '/ui/modules/example.com/lib', '[data-test=versions]'],
    ['version', '/ui/modules/example.com/lib/@v/v1.0.0', '[data-test=zip-hash]'],
    ['admin', '/ui/admin?module=example.com/lib&version=v1.1.0', '[data-test=pins]'],
  ];
  for (const [name, p, ready] of shots) {
    await page.goto(url(p));
    await page.locator(ready).first().waitFor();
    await sleep(500);
    await page.screenshot({ path: `${docs}dashboard-${name}.png`, fullPage: true });
    process.stdout.write(`docs/dashboard-${name}.png\n`);
  }
  const phone = await (await browser.context({ viewport: { width: 390, height: 844 }, isMobile: true, colorScheme: 'light' })).newPage();
  await phone.goto(url('/ui/ops'));
  await phone.locator('[data-test=hit-ratio]').waitFor();
  await sleep(500);
  await phone.screenshot({ path: `${docs}dashboard-ops-phone.png` });
  process.stdout.write('docs/dashboard-ops-phone.png\n');
  if (browser.foreign.length > 0) throw new Error(`requests to other origins: ${browser.foreign.join(', ')}`);
} finally {
  await browser.close();
  await fx.close();
}
