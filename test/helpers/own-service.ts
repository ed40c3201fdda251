// A private instance of a .ci/services script (its own state directory and port) for tests that stop and
// start a server: the shared instance that other test files use at the same time is never disturbed.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseSettings } from './services.js';

const run = promisify(execFile);

export interface OwnService {
  /** Its state directory (config, data, pid file). */
  readonly dir: string;
  readonly port: number;
  /** Starts (or re-checks) the server and returns the settings it prints. */
  start(): Promise<Record<string, string>>;
  stop(): Promise<void>;
  /** Stops it and removes its state directory. */
  cleanup(): Promise<void>;
}

/** `knobs` maps the state directory and port to the script's environment variables. */
export async function ownService(name: string, knobs: (dir: string, port: number) => Record<string, string>): Promise<OwnService> {
  const script = fileURLToPath(new URL(`../../.ci/services/${name}.sh`, import.meta.url));
  const dir = await mkdtemp(path.join(tmpdir(), `gmp-${name}-`));
  const port = await freePort();
  const env = { ...process.env, ...knobs(dir, port) };
  const call = (cmd: string) => run('bash', [script, cmd], { env, timeout: 600_000, maxBuffer: 1 << 20 });
  return {
    dir,
    port,
    start: async () => parseSettings((await call('start')).stdout),
    stop: async () => {
      await call('stop');
    },
    cleanup: async () => {
      await call('stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A port that is free now, below Linux's ephemeral range (32768+), where outgoing connections never sit. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
