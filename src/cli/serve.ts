// `gomodproxy serve`: validate the configuration and start the proxy — one process, or with --workers N a
// primary that supervises N worker processes on one port — and shut down gracefully on SIGTERM.
import cluster from 'node:cluster';
import pino from 'pino';
import { createServer } from '../app/compose.js';
import { CLUSTER_PORT_ENV, runPrimary } from '../app/primary.js';
import { parseListen } from '../config/schema.js';
import type { Config } from '../config/schema.js';
import { configFlagsHelp, withConfig } from './flags.js';
import { warnIfExposed } from './listen-warning.js';
import type { Command } from './io.js';

export const SERVE_HELP = `Usage: gomodproxy serve [flags]

Starts the Go module proxy. Point the go command at it with GOPROXY=http://HOST:PORT.
Settings come from defaults, then the YAML file (--config), then GOMODPROXY_* variables, then flags.

Flags:
${configFlagsHelp()}
`;

export const serve: Command = withConfig('serve', SERVE_HELP, async (config) => {
  if (cluster.isWorker) return runServer(config, true);
  if (config.workers > 1) return runPrimary(config, pino({ level: config.log.level, base: { service: 'gomodproxy', role: 'primary' } }));
  return runServer(config, false);
});

/** One HTTP server process: alone, or as a worker of the primary. */
async function runServer(config: Readonly<Config>, asWorker: boolean): Promise<number> {
  const worker = asWorker ? { channel: process as unknown as import('../coord/ipc.js').Channel, id: `w${cluster.worker?.id ?? process.pid}` } : undefined;
  const server = await createServer(config, { worker });
  const { host, port: configured } = parseListen(config.listen) as { host: string; port: number };
  const port = asWorker ? Number(process.env[CLUSTER_PORT_ENV] ?? configured) : configured;
  const address = await server.app.listen({ host, port });
  if (!asWorker) server.log.info({ address, upstream: config.upstream, data: config.data }, 'gomodproxy listening');
  if (!asWorker || cluster.worker?.id === 1) warnIfExposed(server.log, host);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      server.log.info({ signal }, 'shutting down: finishing in-flight requests');
      const timer = setTimeout(() => {
        server.log.warn('shutdown timeout reached; exiting with requests still in flight');
        resolve(1);
      }, config.shutdownTimeout);
      timer.unref();
      server.close().then(
        () => {
          // A worker's channel to the primary would keep it alive: let go of it so the process can end.
          if (asWorker) cluster.worker?.disconnect();
          resolve(0);
        },
        (err: unknown) => {
          server.log.error({ err }, 'error during shutdown');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    // A worker whose primary is gone stops too: without it there is no coordination and no supervision.
    if (asWorker) process.once('disconnect', () => stop('primary gone'));
  });
}
