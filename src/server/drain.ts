// Shutdown ends every connection with its last answer. Node's server.close() ends the connections idle at
// that moment only; one whose answer was in flight stays open after it, kept alive by the client (a load
// balancer such as nginx keeps its connections to a replica for reuse), and close() waits for it until the
// keep-alive timeout ends it or --shutdown-timeout gives up (exit 1, "requests still in flight"): every
// replica of a rolling restart sat out the whole timeout.
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What Node keeps on a socket: the response it is writing now (Node's own closeIdleConnections reads it too). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

export interface Drain {
  /** From now on, each connection ends once its answer in flight is sent. */
  start(): void;
}

/**
 * Tracks the server's connections (one listener per connection, nothing per request): over TLS, the
 * sockets Node's HTTP parser reads come with 'secureConnection'.
 */
export function trackConnections(server: Server, tls: boolean): Drain {
  const sockets = new Set<HttpSocket>();
  let draining = false;
  server.on(tls ? 'secureConnection' : 'connection', (socket: HttpSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    start: () => {
      if (draining) return;
      draining = true;
      for (const socket of sockets) {
        const res = socket._httpMessage;
        if (res === undefined || res === null || res.writableEnded) continue;
        // Not begun: its head says `Connection: close`, and Node ends the connection after it.
        if (!res.headersSent) res.shouldKeepAlive = false;
        // Begun with `keep-alive`: end the connection once it is idle after this answer (a request that
        // came meanwhile on it is answered first; it gets the 503 of a server shutting down).
        else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
      }
    },
  };
}
