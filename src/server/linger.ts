// Closing a connection whose request body is still arriving, the way RFC 9112 §9.6 asks ("lingering close"): the
// answer, then our end of the connection (FIN), then nothing more read, and the socket destroyed a little later
// (not reading, it cannot see the client hang up).
// Node destroys it as soon as an answer with `Connection: close` is written; with the client's unread bytes still
// queued that is a reset, and a client still writing its body (undici, curl) fails with EPIPE or ECONNRESET, often
// before it has read the answer. Not reading stops the upload: the client's writes stall until it reads the answer
// and hangs up.
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/** How long a refused upload's connection stays open for the client to read the answer. */
export const LINGER_MS = 5000;

/** Node's stream handle: its readStop is the one pause the HTTP parser, which reads the handle itself, obeys. */
type HandleSocket = Socket & { _handle?: { readStop?: () => number } | null };

/** Makes the close Node does after this socket's answer (destroySoon) a lingering one. */
export function lingerOnClose(socket: Socket, ms = LINGER_MS): void {
  socket.destroySoon = function lingering(this: HandleSocket) {
    this.end();
    this._handle?.readStop?.();
    // Kept referenced: a socket that reads nothing keeps no process alive, and a shutdown waits for this close.
    const timer = setTimeout(() => this.destroy(), ms);
    this.once('close', () => clearTimeout(timer));
  };
}

/**
 * For a scope whose routes take large bodies (uploads, bundle imports): an error answered before the body's end
 * (an auth hook's 401 or 403, a declared length over the limit, the route's own early refusals) closes the
 * connection, lingering. Kept alive, Node would read the rest of the body first (hundreds of MiB, or gigabytes).
 */
export function closeOnEarlyRefusal(scope: FastifyInstance): void {
  scope.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && !req.raw.complete) {
      reply.header('connection', 'close');
      // The request's socket is gone (null) once a failed pipe destroyed the request (a full disk while receiving);
      // the answer's socket still holds it, or there is nothing left to linger on.
      const socket = reply.raw.socket ?? req.raw.socket;
      if (socket !== null) lingerOnClose(socket);
    }
    return payload;
  });
}
