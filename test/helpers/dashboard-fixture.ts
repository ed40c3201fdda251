// A proxy worth looking at in the dashboard: a fake upstream with the sample modules, a test checksum
// database that verifies them, and the own database on. Shared by the browser test and `npm run screenshots`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeUpstream } from './fake-upstream.js';
import type { FakeUpstream } from './fake-upstream.js';
import type { GoEnv } from './go.js';
import { goEnv } from './go.js';
import { sampleModules, writeGoproxyDir } from './goproxy-dir.js';
import { startProxy } from './proxy.js';
import type { RunningProxy } from './proxy.js';
import { startTestSumdb } from './test-sumdb.js';
import type { TestSumdb } from './test-sumdb.js';

export interface DashboardFixture {
  readonly up: FakeUpstream;
  readonly db: TestSumdb;
  readonly proxy: RunningProxy;
  close(): Promise<void>;
}

/** `flags`: more settings for the proxy (the browser test turns on --auth private, so tokens count). */
export async function startDashboardFixture(flags: Record<string, string> = {}): Promise<DashboardFixture> {
  const root = await mkdtemp(path.join(tmpdir(), 'gmp-ui-'));
  const up = await startFakeUpstream(await writeGoproxyDir(root, sampleModules()));
  const db = await startTestSumdb(root);
  const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb, 'own-sumdb': 'on', ...flags });
  return {
    up,
    db,
    proxy,
    close: async () => {
      await proxy.close();
      await up.close();
      await db.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/**
 * A go command as a new user has it: nothing about the proxy in its environment, but a go env file of its
 * own (GOENV), which `go env -w` lines pasted from the Setup view fill in; another module cache may share it.
 */
export async function pristineGo(goenvFile?: string): Promise<GoEnv> {
  const e = await goEnv('');
  const { GOPROXY: _p, GOSUMDB: _s, GONOSUMDB: _n, GOPRIVATE: _v, ...env } = e.env;
  return { ...e, env: { ...env, GOENV: goenvFile ?? path.join(e.home, 'go.env') } };
}
