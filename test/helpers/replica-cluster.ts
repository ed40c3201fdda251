// Replicas behind a real nginx, both configured from the shipped deploy/ files: each replica runs the
// command line of deploy/gomodproxy@.service (its instance name is its port) and nginx runs
// deploy/nginx.conf with the upstream block listing these replicas and a loopback listen address.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './own-service.js';
import { startProxyProcess } from './proxy-process.js';
import type { ProxyProcess } from './proxy-process.js';

/** Debian's nginx lives in /usr/sbin, which a non-root PATH lacks. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
const DEPLOY = fileURLToPath(new URL('../../deploy/', import.meta.url));

/** The flags of the unit's ExecStart for one instance, with /var/lib/gomodproxy moved under `root`. */
export async function unitFlags(instance: number, root: string): Promise<Record<string, string>> {
  const unit = await readFile(path.join(DEPLOY, 'gomodproxy@.service'), 'utf8');
  const exec = /^ExecStart=(.*)$/m.exec(unit)?.[1];
  if (exec === undefined) throw new Error('gomodproxy@.service has no ExecStart');
  const words = exec.replaceAll('%i', String(instance)).replaceAll('/var/lib/gomodproxy', root).split(/\s+/);
  const flags: Record<string, string> = {};
  for (let i = words.indexOf('serve') + 1; i < words.length; i += 2) flags[(words[i] as string).replace(/^--/, '')] = words[i + 1] as string;
  return flags;
}

/** deploy/nginx.conf with these replicas in its upstream block, listening on 127.0.0.1:port. */
export async function nginxConf(replicaPorts: readonly number[], port: number): Promise<string> {
  const conf = await readFile(path.join(DEPLOY, 'nginx.conf'), 'utf8');
  const servers = [...conf.matchAll(/^(\s*)server 127\.0\.0\.1:\d+( [^;]*);$/gm)];
  const first = servers[0];
  if (first === undefined) throw new Error('nginx.conf lists no replica');
  const lines = replicaPorts.map((p) => `${first[1]}server 127.0.0.1:${p}${first[2]};`).join('\n');
  let out = conf.replace(first[0], lines);
  for (const s of servers.slice(1)) out = out.replace(`${s[0]}\n`, '');
  if (!/^\s*listen 80;$/m.test(out)) throw new Error('nginx.conf has no `listen 80;`');
  return out.replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
}

export interface Nginx {
  readonly url: string;
  /** Its prefix directory (logs/error.log, logs/access.log). */
  readonly dir: string;
  /** The master process (its workers are its children). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** nginx (as the user running the tests) with its own prefix directory: pid, logs and temp files there. */
export function startNginx(dir: string, replicaPorts: readonly number[]): Promise<Nginx> {
  return startNginxSite(dir, (port) => nginxConf(replicaPorts, port));
}

/** nginx as above with the http-context file `site` makes for the port it is to listen on (127.0.0.1:port). */
export async function startNginxSite(dir: string, site: (port: number) => string | Promise<string>): Promise<Nginx> {
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  const port = await freePort();
  const siteFile = path.join(dir, 'gomodproxy.conf');
  await writeFile(siteFile, await site(port));
  // Started by root, nginx runs its workers as nobody, who cannot reach temp directories under a test's
  // mkdtemp (mode 700): a request body larger than its buffer would then fail with nginx's own 500.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  const main = `${user}worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 2048; }
http {
  # Which replica answered what, and what the ones tried before said: why a client got what it got.
  log_format replicas '$remote_addr [$time_local] "$request" $status $body_bytes_sent upstream=$upstream_addr upstream_status=$upstream_status upstream_time=$upstream_response_time time=$request_time';
  access_log ${dir}/logs/access.log replicas;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${siteFile};
}
`;
  await writeFile(path.join(dir, 'nginx.conf'), main);
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300) throw new Error(`nginx did not answer: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    dir,
    pid: child.pid as number,
    stop: async () => {
      child.kill('SIGQUIT');
      await exited;
    },
  };
}

/** A replica as the systemd unit starts it (instance = a free port), with the test's settings added. */
export async function startReplica(root: string, settings: Record<string, string>, env: NodeJS.ProcessEnv): Promise<ProxyProcess & { port: number }> {
  const port = await freePort();
  const proxy = await startProxyProcess({ ...(await unitFlags(port, root)), ...settings }, env);
  return Object.assign(proxy, { port });
}
