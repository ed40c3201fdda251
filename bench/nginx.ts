// Runs Debian's nginx as a contender (and as a file-serving GOPROXY upstream): a minimal config in a temp
// prefix, foreground, loopback only, every temp path inside the prefix so no root-owned paths are needed.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { freePort, waitReady } from './util.js';

export interface Nginx {
  readonly url: string;
  readonly pid: number;
  /** Lines of the access log whose request path ends with `suffix` (only when started with accessLog). */
  countRequests(suffix: string): Promise<number>;
  stop(): Promise<void>;
}

export const NGINX_BIN = process.env.NGINX ?? '/usr/sbin/nginx';

function config(prefix: string, root: string, port: number, accessLog: boolean): string {
  return `# written by bench/nginx.ts
worker_processes auto;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  default_type application/octet-stream;
  types { application/json info; text/plain mod; application/zip zip; }
  client_body_temp_path ${prefix}/tmp-body;
  proxy_temp_path ${prefix}/tmp-proxy;
  fastcgi_temp_path ${prefix}/tmp-fastcgi;
  uwsgi_temp_path ${prefix}/tmp-uwsgi;
  scgi_temp_path ${prefix}/tmp-scgi;
  ${accessLog ? `access_log ${prefix}/access.log;` : 'access_log off;'}
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 65;
  keepalive_requests 1000000;
  open_file_cache max=10000 inactive=60s;
  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { try_files $uri =404; }
  }
}
`;
}

export async function startNginx(prefix: string, root: string, opts: { accessLog?: boolean } = {}): Promise<Nginx> {
  await mkdir(prefix, { recursive: true });
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  await writeFile(conf, config(prefix, root, port, opts.accessLog === true));
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', prefix, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/`, { timeoutMs: 10_000, alive: () => !exited, anyStatus: true });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`nginx did not start: ${(err as Error).message}\n${stderr}`);
  }
  return {
    url,
    pid: child.pid as number,
    countRequests: async (suffix) => {
      const log = await readFile(path.join(prefix, 'access.log'), 'utf8').catch(() => '');
      return log.split('\n').filter((l) => new RegExp(`"GET \\S*${suffix.replace(/[.]/g, '\\.')} HTTP`).test(l)).length;
    },
    stop: () => stop(child),
  };
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
