// Finds (or installs) the load generator and nginx, and describes the machine for the report.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { NGINX_BIN } from './nginx.js';
import { WRK_BIN } from './wrk.js';

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGB: number;
  readonly kernel: string;
  readonly node: string;
  readonly nginx: string;
  readonly wrk: string;
  readonly go: string;
}

/** Installs wrk and nginx with apt when missing and running as root; otherwise says what to install. */
export function ensureTools(log: (m: string) => void): void {
  const missing = [
    { bin: WRK_BIN, pkg: 'wrk' },
    { bin: NGINX_BIN, pkg: 'nginx-light' },
  ].filter((t) => !existsSync(t.bin));
  if (missing.length === 0) return;
  const pkgs = missing.map((t) => t.pkg);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `missing ${missing.map((t) => t.bin).join(' and ')}: install them with 'sudo apt-get install -y ${pkgs.join(' ')}' (or set WRK= / NGINX= to their paths)`,
    );
  }
  log(`installing ${pkgs.join(' ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  for (const t of missing) if (!existsSync(t.bin)) throw new Error(`${t.bin} still missing after installing ${t.pkg}`);
}

function output(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    // wrk exits 1 after printing its version; nginx prints to stderr: take whatever came out.
    execFile(cmd, args, { timeout: 10_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`.trim()));
  });
}

export async function describeMachine(): Promise<Machine> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  return {
    cpus: os.availableParallelism(),
    cpuModel: model.trim(),
    memoryGB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    nginx: (await output(NGINX_BIN, ['-v'])).replace(/^nginx version:\s*/, ''),
    wrk: (await output(WRK_BIN, ['--version'])).split('\n')[0]?.replace(/\s+Copyright.*$/, '') ?? 'unknown',
    go: (await output('go', ['version'])).replace(/^go version\s*/, ''),
  };
}
