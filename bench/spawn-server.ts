// Starts a server process of the benchmark's own (gomodproxy, nginx, the Fastify yardstick) on a port it
// chose, waits until it answers, and stops it; start-up failures carry the tail of its stderr.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { waitReady } from './util.js';

export interface Spawned {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  readonly name: string;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly port: number;
  /** Polled until it answers 2xx (any status with anyStatus). */
  readonly readyPath: string;
  readonly anyStatus?: boolean;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export async function spawnServer(o: SpawnOptions): Promise<Spawned> {
  const child: ChildProcess = spawn(o.cmd, o.args, { stdio: ['ignore', 'ignore', 'pipe'], env: o.env ?? process.env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${o.port}`;
  try {
    await waitReady(url + o.readyPath, { timeoutMs: o.timeoutMs, alive: () => !exited, anyStatus: o.anyStatus });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${o.name} did not start: ${(err as Error).message}\n${stderr}`);
  }
  return { url, pid: child.pid as number, stop: () => stop(child) };
}

export function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
