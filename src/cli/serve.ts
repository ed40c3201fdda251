// `gomodproxy serve`: validate the configuration and start the proxy — one process, or with --workers N a
// primary that supervises N worker processes on one port — and shut down gracefully on SIGTERM.
import cluster from 'node:cluster';
import pino from 'pino';
import { LISTEN_REASONS, askListenSocket, cannotListen, saidListening } from '../app/listen-socket.js';
import { runPrimary } from '../app/primary.js';
import { privateLogOptions } from '../app/private-logs.js';
import { reloadTls, tlsEnabled } from '../app/tls.js';
import { answerPings } from '../app/watchdog.js';
import { COORD_OWNER_ENV, workerOwner } from '../app/worker-leases.js';
import type { SecureServer } from '../app/tls.js';
import { parseListen } from '../config/schema.js';
import { FILL_LOCKS_ENV } from '../coord/file-exclusive.js';
import { redactProxyList } from '../protocol/proxy-list.js';
import { within } from '../bounded-wait.js';
import { isGmpError } from '../errors.js';
import { claimData } from '../app/data-dir.js';
import type { Config } from '../config/schema.js';
import { localFileProblem, isPermissionProblem } from './file-errors.js';
import { configFlagsHelp, withConfig } from './flags.js';
import { watchNpmParent } from '../app/npm-parent.js';
import { warnIfExposed } from './listen-warning.js';
import type { Command } from './io.js';

export const SERVE_HELP = `Usage: gomodproxy serve [flags]

Starts the Go module proxy. Point the go command at it with GOPROXY=http://HOST:PORT.
Settings come from defaults, then the YAML file (--config), then GOMODPROXY_* variables, then flags.

Flags:
${configFlagsHelp()}
`;

export const serve: Command = withConfig('serve', SERVE_HELP, async (config, io) => {
  try {
    if (cluster.isWorker) return await runServer(config, true);
    const claim = await claimData(
      config,
      config.listen,
      'stop it or give this one another --data (replicas that share a cache name the same --storage and --coordinator: see High availability in the README)',
    );
    // Once bound, the claim tells the real address (a port 0 is one only then) to a second process that asks.
    if (config.workers > 1)
      return await runPrimary(
        config,
        pino({ level: config.log.level, base: { service: 'gomodproxy', role: 'primary' }, ...privateLogOptions(config) }),
        (host, port) => claim.bound(host, port),
      );
    return await runServer(config, false, (host, port) => claim.bound(host, port));
  } catch (err) {
    // A setting the storage or coordinator refuses, a key that cannot be had, a data directory this user
    // cannot write: one clear line, exit 1, even while a client library keeps reconnecting in the background.
    const why = startFailure(err);
    if (why === undefined) throw err;
    io.stderr.write(`gomodproxy: cannot start: ${why}\n`);
    process.exit(1);
  }
});

/** What to tell the user when `serve` fails while starting, or undefined for a defect (thrown, with its stack). */
export function startFailure(err: unknown): string | undefined {
  if (isGmpError(err, 'GMP_ERR_CONFIG') || isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') || isGmpError(err, 'GMP_ERR_STORAGE_UNAVAILABLE'))
    return err.message;
  const listen = listenProblem(err);
  if (listen !== undefined) return listen;
  const problem = localFileProblem(err);
  if (problem === undefined) return undefined;
  return isPermissionProblem(err) ? `${problem} (check that --data, and any file the settings name, can be written by this user)` : problem;
}

/** The port cannot be had (a single process listens itself; the primary of --workers binds in listen-socket.ts). */
function listenProblem(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (typeof e?.code !== 'string' || e.syscall !== 'listen' || LISTEN_REASONS[e.code] === undefined) return undefined;
  const host = e.address?.includes(':') === true ? `[${e.address}]` : (e.address ?? '');
  return cannotListen(host, e.port ?? '', e.code);
}

/** A worker's owner id of its leases in PostgreSQL or Redis, from the part its primary gave it. */
function ownerGiven(given: string | undefined): string | undefined {
  return given === undefined || given === '' ? undefined : workerOwner(given, process.pid);
}

/** One HTTP server process: alone, or as a worker of the primary. */
async function runServer(config: Readonly<Config>, asWorker: boolean, bound?: (host: string, port: number) => void): Promise<number> {
  const worker = asWorker
    ? {
        channel: process as unknown as import('../coord/ipc.js').Channel,
        id: `w${cluster.worker?.id ?? process.pid}`,
        fillLocks: process.env[FILL_LOCKS_ENV],
        coordOwner: ownerGiven(process.env[COORD_OWNER_ENV]),
      }
    : undefined;
  // The primary's watchdog (app/watchdog.ts) pings it once it listens.
  if (worker !== undefined) answerPings(worker.channel);
  // Loaded here, not at the top: the primary of `serve --workers N` never serves, and the server's modules
  // would add about 60 MiB to it.
  const { createServer } = await import('../app/compose.js');
  const server = await createServer(config, { worker });
  const { host, port } = parseListen(config.listen) as { host: string; port: number };
  if (asWorker) {
    // The primary's socket (see app/listen-socket.ts). Node listens on a given handle and ignores host and
    // port; Fastify only looks at the host to add bindings for "localhost", which a given socket must not get.
    const primary = process as unknown as Parameters<typeof askListenSocket>[0];
    const handle = await askListenSocket(primary);
    await server.app.listen({ handle, host: host === 'localhost' ? '127.0.0.1' : host } as unknown as Parameters<typeof server.app.listen>[0]);
    saidListening(primary);
  } else {
    const address = await server.app.listen({ host, port });
    const at = server.app.server.address();
    if (at !== null && typeof at === 'object') bound?.(at.address, at.port);
    server.log.info({ address, upstream: redactProxyList(config.upstream), data: config.data }, 'gomodproxy listening');
  }
  if (!asWorker || cluster.worker?.id === 1) warnIfExposed(server.log, host);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      server.log.info({ signal }, 'shutting down: finishing in-flight requests');
      const closed = server.close().then(
        () => {
          // A worker's channel to the primary would keep it alive: let go of it so the process can end.
          if (asWorker) cluster.worker?.disconnect();
          return 0;
        },
        (err: unknown) => {
          server.log.error({ err }, 'error during shutdown');
          return 1;
        },
      );
      // Unref'd, as it always was: the bound alone keeps no process up.
      const late = () => {
        server.log.warn('shutdown timeout reached; exiting with requests still in flight');
        return 1;
      };
      void within(closed, config.shutdownTimeout, late, { unref: true }).then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    if (!asWorker) watchNpmParent(() => stop('npm stopped'));
    // A renewed certificate is picked up on SIGHUP (the primary passes it on to its workers).
    if (tlsEnabled(config)) process.on('SIGHUP', () => void reloadTls(server.app.server as unknown as SecureServer, config, server.log));
    // A worker whose primary is gone stops too: without it there is no coordination and no supervision.
    if (asWorker) process.once('disconnect', () => stop('primary gone'));
  });
}
