// Starts gomodproxy as its own process the way users run it (`bin/gomodproxy.js serve`), with a data
// directory and upstream of the benchmark's choosing; logs go to /dev/null (serialised, then dropped).
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
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
  /** Another checkout's `bin/gomodproxy.js` (bench/ab.ts compares two builds); default: this one. */
  readonly bin?: string;
}

/** Which code `bin/gomodproxy.js` runs: a stale dist/ would benchmark old code, so the report says. */
export function entryDescription(): string {
  const dist = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
  if (!existsSync(dist)) return 'src/ through tsx';
  const src = fileURLToPath(new URL('../src/', import.meta.url));
  const built = statSync(dist).mtimeMs;
  const newer = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && statSync(path.join(src, f)).mtimeMs > built);
  if (newer.length > 0) return `dist/, which is OLDER than ${newer.length} file(s) in src/ (e.g. ${newer[0]}): run \`npm run build\` and measure again`;
  return 'dist/ (compiled from the current src/)';
}

/** This process's environment without gomodproxy's own settings and NODE_OPTIONS, plus `extra`: only flags configure it. */
export function serverEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOMODPROXY_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

export async function startProxy(opts: ProxyStart): Promise<ProxyProcess> {
  const port = await freePort();
  const env = serverEnv();
  // The fixtures are not in any public checksum database, and there is no network: --sumdb off,
  // as the go command runs with GOSUMDB=off against the same modules.
  const serve = ['serve', '--listen', `127.0.0.1:${port}`, '--data', opts.data, '--upstream', opts.upstream, '--sumdb', opts.sumdb ?? 'off'];
  const args = [...(opts.nodeFlags ?? []), opts.bin ?? BIN, ...serve, ...(opts.flags ?? [])];
  return spawnServer({ name: 'gomodproxy', cmd: process.execPath, args, port, readyPath: '/healthz', env });
}
