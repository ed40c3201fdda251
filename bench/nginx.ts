// Runs Debian's nginx as a contender (and as a file-serving GOPROXY upstream): a minimal config in a temp
// prefix, foreground, loopback only, every temp path inside the prefix so no root-owned paths are needed.
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnServer } from './spawn-server.js';
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
  const args = ['-p', prefix, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'];
  const server = await spawnServer({ name: 'nginx', cmd: NGINX_BIN, args, port, readyPath: '/', anyStatus: true });
  return {
    ...server,
    countRequests: async (suffix) => {
      const log = await readFile(path.join(prefix, 'access.log'), 'utf8').catch(() => '');
      return log.split('\n').filter((l) => new RegExp(`"GET \\S*${suffix.replace(/[.]/g, '\\.')} HTTP`).test(l)).length;
    },
    requestsSoFar: lineCounter(path.join(prefix, 'access.log')),
  };
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
