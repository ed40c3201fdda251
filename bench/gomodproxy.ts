// Starts gomodproxy as its own process the way users run it (`bin/gomodproxy.js serve`), with a data
// directory and upstream of the benchmark's choosing; logs go to /dev/null (serialised, then dropped).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnServer } from './spawn-server.js';
import type { Spawned } from './spawn-server.js';
import { freePort } from './util.js';

export const BIN = fileURLToPath(new URL('../bin/gomodproxy.js', import.meta.url));

export type ProxyProcess = Spawned;

export interface ProxyStart {
  readonly data: string;
  readonly upstream: string;
  /** `--sumdb` value: `off` unless a run verifies against a test checksum database. */
  readonly sumdb?: string;
  /** Extra `serve` flags, e.g. ['--workers', '2']. */
  readonly flags?: readonly string[];
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=…']. */
  readonly nodeFlags?: readonly string[];
}

/** Which code `bin/gomodproxy.js` runs: a stale dist/ would benchmark old code, so the report says. */
export function entryDescription(): string {
  const dist = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  return existsSync(dist) ? 'dist/ (compiled; run `npm run build` after changing src/)' : 'src/ through tsx';
}

export async function startProxy(opts: ProxyStart): Promise<ProxyProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOMODPROXY_') && k !== 'NODE_OPTIONS') env[k] = v;
  // The fixtures are not in any public checksum database, and there is no network: --sumdb off,
  // as the go command runs with GOSUMDB=off against the same modules.
  const serve = ['serve', '--listen', `127.0.0.1:${port}`, '--data', opts.data, '--upstream', opts.upstream, '--sumdb', opts.sumdb ?? 'off'];
  const args = [...(opts.nodeFlags ?? []), BIN, ...serve, ...(opts.flags ?? [])];
  return spawnServer({ name: 'gomodproxy', cmd: process.execPath, args, port, readyPath: '/healthz', env });
}
