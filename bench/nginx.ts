// Runs Debian's nginx as a contender (and as a file-serving GOPROXY upstream): a minimal config in a temp
// prefix, foreground, loopback only, every temp path inside the prefix so no root-owned paths are needed.
import { chmod, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnServer } from './spawn-server.js';
import type { Spawned } from './spawn-server.js';
import { freePort } from './util.js';

export interface Nginx {
  readonly url: string;
  readonly pid: number;
  /** Lines of the access log whose request path ends with `suffix` (only when started with accessLog). */
  countRequests(suffix: string): Promise<number>;
  /** Lines in the access log so far: every request (only when started with accessLog); reads only what is new. */
  requestsSoFar(): Promise<number>;
  stop(): Promise<void>;
}

export const NGINX_BIN = process.env.NGINX ?? '/usr/sbin/nginx';

/** Everything but the server block: loopback only, every temp path inside the prefix. */
function config(prefix: string, accessLog: boolean, server: string): string {
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
${server}
}
`;
}

const filesServer = (port: number, root: string) => `  server {
    listen 127.0.0.1:${port};
    root ${root};
    location / { try_files $uri =404; }
  }`;

/**
 * nginx in front of an upstream: `forward` passes every request on (kept-alive upstream connections, no
 * cache); `store` also keeps each answer as a file and serves it from there next time (proxy_store: written
 * and renamed, no fsync, no checks). Yardsticks for the cold suite: the least any proxy adds on this machine.
 */
function frontServer(port: number, upstream: string, mode: 'forward' | 'store', store: string): string {
  const pass = 'proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";';
  const locations =
    mode === 'forward'
      ? `location / { ${pass} }`
      : `location / { root ${store}; try_files $uri @fetch; }
    location @fetch { ${pass} proxy_store on; proxy_store_access user:rw; create_full_put_path on; root ${store}; }`;
  return `  upstream up { server ${new URL(upstream).host}; keepalive 32; }
  server {
    listen 127.0.0.1:${port};
    ${locations}
  }`;
}

export async function startNginx(prefix: string, root: string, opts: { accessLog?: boolean } = {}): Promise<Nginx> {
  await mkdir(prefix, { recursive: true });
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  await writeFile(conf, config(prefix, opts.accessLog === true, filesServer(port, root)));
  const server = await spawnNginx(prefix, conf, port);
  return {
    ...server,
    countRequests: async (suffix) => {
      const log = await readFile(path.join(prefix, 'access.log'), 'utf8').catch(() => '');
      return log.split('\n').filter((l) => new RegExp(`"GET \\S*${suffix.replace(/[.]/g, '\\.')} HTTP`).test(l)).length;
    },
    requestsSoFar: lineCounter(path.join(prefix, 'access.log')),
  };
}

function spawnNginx(prefix: string, conf: string, port: number) {
  const args = ['-p', prefix, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'];
  return spawnServer({ name: 'nginx', cmd: NGINX_BIN, args, port, readyPath: '/', anyStatus: true });
}

/** nginx forwarding to `upstream`, or storing what it forwards under the prefix (see frontServer). */
export async function startNginxFront(prefix: string, upstream: string, mode: 'forward' | 'store'): Promise<Spawned> {
  const store = path.join(prefix, 'store');
  await mkdir(store, { recursive: true });
  // Started as root, nginx's workers run as nobody, who must be able to create the copies.
  await chmod(store, 0o777);
  const port = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  await writeFile(conf, config(prefix, false, frontServer(port, upstream, mode, store)));
  return spawnNginx(prefix, conf, port);
}

/** Counts newlines in a growing file, reading each byte once. */
function lineCounter(file: string): () => Promise<number> {
  let offset = 0;
  let lines = 0;
  const buf = Buffer.alloc(1 << 20);
  return async () => {
    const fh = await open(file, 'r').catch(() => undefined);
    if (fh === undefined) return lines;
    try {
      for (;;) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        if (bytesRead === 0) return lines;
        offset += bytesRead;
        for (let i = 0; i < bytesRead; i++) if (buf[i] === 10) lines++;
      }
    } finally {
      await fh.close();
    }
  };
}
