// Starts any contender the same way for every suite: in front of the same upstream, with its own data
// directory, and checked to listen on loopback only before anything is measured.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Contender } from './contenders.js';
import { startProxy } from './gomodproxy.js';
import { startNginx } from './nginx.js';
import { startPeer } from './peers.js';
import { assertLoopbackOnly } from './proc.js';
import { spawnServer } from './spawn-server.js';
import type { Spawned } from './spawn-server.js';
import { freePort } from './util.js';

/** A running contender: its URL, the process to signal and whose tree is measured, and how to stop it. */
export type Server = Spawned;

export interface StartOptions {
  /** This contender's own directory (data, logs). */
  readonly dir: string;
  /** The upstream GOPROXY URL (nginx serving `files`). */
  readonly upstream: string;
  /** The GOPROXY-layout directory nginx serves as a contender. */
  readonly files: string;
  /** What the Fastify yardstick answers (the bytes of the warm `.info`). */
  readonly yardstickBody?: string;
  /** Extra `serve` flags for gomodproxy. */
  readonly proxyFlags?: readonly string[];
  /** gomodproxy's `--sumdb` (default off). */
  readonly sumdb?: string;
  readonly nodeFlags?: readonly string[];
}

const YARDSTICK = fileURLToPath(new URL('./yardstick.ts', import.meta.url));

/** The bare Fastify route of bench/yardstick.ts, in `workers` cluster workers (1: no cluster). */
export async function startYardstick(body: string, workers: number): Promise<Server> {
  const port = await freePort();
  const args = ['--import', 'tsx', YARDSTICK, String(port), body, String(workers)];
  return spawnServer({ name: 'the Fastify yardstick', cmd: process.execPath, args, port, readyPath: '/' });
}

const NODE_FRONT = fileURLToPath(new URL('./node-front.ts', import.meta.url));

/** The bare Node.js proxy of bench/node-front.ts in front of `upstream`, keeping its copies under `dir`. */
export async function startNodeFront(dir: string, upstream: string): Promise<Server> {
  const port = await freePort();
  const args = ['--import', 'tsx', NODE_FRONT, String(port), upstream, dir];
  return spawnServer({ name: 'the bare Node.js proxy', cmd: process.execPath, args, port, readyPath: '/healthz' });
}

export async function startContender(c: Contender, o: StartOptions): Promise<Server> {
  await mkdir(o.dir, { recursive: true });
  let server: Server;
  switch (c.id) {
    case 'gomodproxy': {
      const workers = c.workers === undefined ? [] : ['--workers', String(c.workers)];
      server = await startProxy({
        data: path.join(o.dir, 'data'),
        upstream: o.upstream,
        sumdb: o.sumdb,
        flags: [...(o.proxyFlags ?? []), ...workers],
        nodeFlags: o.nodeFlags,
      });
      break;
    }
    case 'nginx':
      server = await startNginx(path.join(o.dir, 'nginx'), o.files);
      break;
    case 'goproxy':
    case 'athens':
      server = await startPeer(c.id, await freePort(), o.upstream, o.dir);
      break;
    case 'fastify':
      if (o.yardstickBody === undefined) throw new Error('the Fastify yardstick needs a body');
      server = await startYardstick(o.yardstickBody, c.workers ?? 1);
      break;
  }
  try {
    await assertLoopbackOnly(c.label, server.pid);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}
