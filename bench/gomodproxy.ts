// Starts gomodproxy as its own process the way users run it (`bin/gomodproxy.js serve`), with a data
// directory and upstream of the benchmark's choosing; logs go to /dev/null (serialised, then dropped).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stop } from './nginx.js';
import { freePort, waitReady } from './util.js';

export const BIN = fileURLToPath(new URL('../bin/gomodproxy.js', import.meta.url));

export interface ProxyProcess {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface ProxyStart {
  readonly data: string;
  readonly upstream: string;
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
  const serve = ['serve', '--listen', `127.0.0.1:${port}`, '--data', opts.data, '--upstream', opts.upstream, '--sumdb', 'off'];
  const args = [...(opts.nodeFlags ?? []), BIN, ...serve, ...(opts.flags ?? [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/healthz`, { timeoutMs: 30_000, alive: () => !exited });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`gomodproxy did not start: ${(err as Error).message}\n${stderr}`);
  }
  return { url, pid: child.pid as number, stop: () => stop(child) };
}
