// `gomodproxy serve`: validate the configuration, start the proxy, and shut down gracefully on SIGTERM.
import { parseListen } from '../config/schema.js';
import { createServer } from '../server/compose.js';
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
  const server = await createServer(config);
  const { host, port } = parseListen(config.listen) as { host: string; port: number };
  const address = await server.app.listen({ host, port });
  server.log.info({ address, upstream: config.upstream, data: config.data }, 'gomodproxy listening');
  warnIfExposed(server.log, host);

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
        () => resolve(0),
        (err: unknown) => {
          server.log.error({ err }, 'error during shutdown');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
});
