// A real headless browser for the dashboard tests: Debian's chromium driven by playwright-core. Every request
// the pages make is recorded, and one to any other origin is refused, so a test can show nothing leaves 127.0.0.1.
import { access } from 'node:fs/promises';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';

export const CHROMIUM = process.env.GMP_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Why the browser tests are skipped (chromium is not installed), or undefined when they can run. CI sets
 * GMP_REQUIRE_CHROMIUM=1: there a missing browser is an error, not a quietly smaller test run.
 */
export async function browserSkip(): Promise<string | undefined> {
  try {
    await access(CHROMIUM);
    return undefined;
  } catch {
    const why = `${CHROMIUM} is not installed (Debian: apt-get install chromium; or set GMP_CHROMIUM)`;
    if (process.env.GMP_REQUIRE_CHROMIUM === '1') throw new Error(`GMP_REQUIRE_CHROMIUM=1 but ${why}`);
    return why;
  }
}

export interface BrowserSession {
  readonly browser: Browser;
  /** Every URL a page of this session asked for, in order. */
  readonly requests: string[];
  /** The ones to another origin than the proxy's (refused). */
  readonly foreign: string[];
  context(opts?: BrowserContextOptions): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function startBrowser(origin: string): Promise<BrowserSession> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      // Chromium's sandbox refuses to start as root (containers, CI).
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      // No name resolves except the loopback address: even a request the routes missed could not leave.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    ],
  });
  const requests: string[] = [];
  const foreign: string[] = [];
  return {
    browser,
    requests,
    foreign,
    async context(opts = {}) {
      const ctx = await browser.newContext(opts);
      await ctx.route('**/*', (route) => {
        const url = route.request().url();
        requests.push(url);
        if (new URL(url).origin === origin) return route.continue();
        foreign.push(url);
        return route.abort('blockedbyclient');
      });
      return ctx;
    },
    close: () => browser.close(),
  };
}
