// Starts `gomodproxy serve` as its own process tree (built, or from the sources: cli-entry.ts), for tests that need what
// only a real process has: --workers N, signals, SIGKILL of a worker. The address comes from its log.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import { cliArgv } from './cli-entry.js';

export interface ProxyProcess {
  readonly url: string;
  readonly child: ChildProcess;
  /** Lines logged so far (JSON). */
  readonly logs: string[];
  /** Pids of the primary's worker processes now. */
  workers(): Promise<number[]>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function startProxyProcess(flags: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<ProxyProcess> {
  const args = [...cliArgv(), 'serve', '--listen', '127.0.0.1:0', '--log-level', 'info'];
  for (const [k, v] of Object.entries(flags)) args.push(`--${k}`, v);
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOMODPROXY_') && k !== 'NODE_OPTIONS' && !k.startsWith('NODE_TEST')) clean[k] = v;
  const child = spawn(process.execPath, args, { env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        const m = /"address":"(https?:\/\/)?([^"]+)"[^\n]*gomodproxy listening|gomodproxy listening[^\n]*"address":"(https?:\/\/)?([^"]+)"/.exec(line);
        if (m !== null) resolve(`${m[1] ?? m[3] ?? 'http://'}${m[2] ?? m[4]}`);
        nl = buf.indexOf('\n');
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (c: Buffer) => logs.push(c.toString('utf8')));
    void exited.then((code) => reject(new Error(`gomodproxy exited (${code}) before listening:\n${logs.join('\n')}`)));
  });
  return {
    url,
    child,
    logs,
    workers: () => childPids(child.pid as number),
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Direct child node processes of a process (its workers), from /proc. */
export async function childPids(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Node processes only (the TypeScript loader runs an esbuild helper process too).
    if (Number(fields[1]) === pid && stat.includes('(node)')) out.push(Number(name));
  }
  return out;
}
