// Memory hits on `.info` and `.mod` answered from the connection's bytes, before Node's HTTP machinery: a
// warm proxy's traffic is mostly these, and Node's per-request objects cost more CPU than the answer itself
// (measured: a bare Node HTTP server does ~36,000 req/s here, answering from the socket ~61,000).
//
// The rule is to hand over, never to guess. A connection starts here; each complete request head in the
// bytes read is parsed by a deliberately narrow grammar (GET or HEAD, HTTP/1.1, a plain path, token
// headers with visible values, no body, no credentials, no Connection options). A request outside it, or
// one that is not a memory hit (`hitFor` decides, as for the request-level path), hands the connection to
// Node's own HTTP server with every unanswered byte put back: from then on Node parses, times out, limits
// and answers exactly as without this file. Answers already written stay ahead of Node's on the socket.
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { IMMUTABLE } from './goproxy-routes.js';
import { countHit, hitFor } from './fast-hits.js';
import type { FastHitsOptions, Hit } from './fast-hits.js';

const HEAD_END = Buffer.from('\r\n\r\n');
/** Longer heads go to Node, which enforces its own limit (431). */
const MAX_HEAD = 8192;
const REQUEST_LINE = /^(GET|HEAD) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
const HEADER = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\x20-\x7e\t]*?)[ \t]*$/;
/**
 * Headers whose presence means Fastify must see the request: credentials, a body, protocol changes, and
 * Disable-Module-Fetch (a hit on a go.mod may set off read-ahead, which such a request must not).
 */
const HAND_OVER = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'content-length',
  'transfer-encoding',
  'expect',
  'upgrade',
  'te',
  'disable-module-fetch',
]);

interface Parsed {
  readonly method: string;
  readonly url: string;
  readonly ifNoneMatch: string | undefined;
  readonly requestId: string | undefined;
}

/** A request head (without its blank line) in the narrow grammar, or undefined when Node must parse it. */
export function parseHead(head: string): Parsed | undefined {
  const lines = head.split('\r\n');
  const line = REQUEST_LINE.exec(lines[0] as string);
  if (line === null) return undefined;
  const url = line[2] as string;
  if (url.includes('#')) return undefined;
  let host = false;
  let ifNoneMatch: string | undefined;
  let requestId: string | undefined;
  for (let i = 1; i < lines.length; i++) {
    const h = HEADER.exec(lines[i] as string);
    if (h === null) return undefined;
    const name = (h[1] as string).toLowerCase();
    const value = h[2] as string;
    if (HAND_OVER.has(name)) return undefined;
    // keep-alive is HTTP/1.1's default, and what fetch() sends; close and upgrades are Node's to handle.
    if (name === 'connection' && value.toLowerCase() !== 'keep-alive') return undefined;
    if (name === 'host') {
      if (host || value === '') return undefined;
      host = true;
    } else if (name === 'if-none-match') {
      if (ifNoneMatch !== undefined) return undefined;
      ifNoneMatch = value;
    } else if (name === 'x-request-id') {
      if (requestId !== undefined) return undefined;
      requestId = value;
    }
  }
  return host ? { method: line[1] as string, url, ifNoneMatch, requestId } : undefined;
}

/** The date Node writes in every answer, formatted once a second. */
class DateHeader {
  private second = 0;
  private text = '';

  get(): string {
    const now = Date.now();
    const s = Math.floor(now / 1000);
    if (s !== this.second) {
      this.second = s;
      this.text = new Date(now).toUTCString();
    }
    return this.text;
  }
}

/** The head of a hit's answer, header for header what Node writes for the same writeHead. */
export function answerHead(h: Hit, date: string, keepAliveSeconds: number): string {
  const length = h.status === 200 ? `content-type: ${h.type}\r\ncontent-length: ${h.length}\r\n` : '';
  const keepAlive = keepAliveSeconds > 0 ? `Keep-Alive: timeout=${keepAliveSeconds}\r\n` : '';
  return (
    `HTTP/1.1 ${h.status} ${STATUS_CODES[h.status]}\r\nx-request-id: ${h.id}\r\netag: ${h.etag}\r\ncache-control: ${IMMUTABLE}\r\n` +
    `${length}Date: ${date}\r\nConnection: keep-alive\r\n${keepAlive}\r\n`
  );
}

/** Head and body in one Buffer: one write, and Node passes a single Buffer to the socket without copying. */
function answer(h: Hit, head: string): Buffer {
  const body = h.body;
  const out = Buffer.allocUnsafe(head.length + (body?.length ?? 0));
  out.write(head, 0, 'latin1');
  body?.copy(out, head.length);
  return out;
}

type ConnectionListener = (this: Server, socket: Socket) => void;

export interface WireHits {
  /** Ends the connections held here (all idle between requests): called when shutdown begins. */
  closeIdle(): void;
  /** Connections held here now. */
  readonly held: number;
}

/** Takes over the server's 'connection' event; Node's listeners get each connection that is handed over. */
export function installWireHits(server: Server, o: FastHitsOptions): WireHits {
  // Node answers with a request count per socket then (Keep-Alive: max=…): leave those servers to it.
  if (server.maxRequestsPerSocket !== null && server.maxRequestsPerSocket > 0) return { closeIdle: () => {}, held: 0 };
  const nodeListeners = server.listeners('connection') as ConnectionListener[];
  server.removeAllListeners('connection');
  const held = new Set<Socket>();
  const date = new DateHeader();

  /** Node's own connection setup, as if this file were not there. */
  const toNode = (socket: Socket): void => {
    for (const l of nodeListeners) l.call(server, socket);
  };

  /** Gives the connection to Node for good, with the bytes not answered here (never empty) put back. */
  const handOver = (socket: Socket, rest: Buffer, listeners: Listeners): void => {
    held.delete(socket);
    socket.pause();
    socket.removeListener('data', listeners.data);
    socket.removeListener('timeout', listeners.timeout);
    socket.removeListener('end', listeners.end);
    socket.removeListener('drain', listeners.drain);
    socket.setTimeout(0);
    socket.unshift(rest);
    toNode(socket);
    socket.removeListener('error', listeners.error);
    // Node's parser reads new bytes from the handle itself; what is buffered (put back above, or read
    // after the pause) flows to it as 'data' on the next tick, before any new read.
    socket.resume();
  };

  interface Listeners {
    data(chunk: Buffer): void;
    timeout(): void;
    end(): void;
    drain(): void;
    error(): void;
  }

  server.on('connection', (socket: Socket) => {
    if (o.closing()) return toNode(socket);
    held.add(socket);
    const listeners: Listeners = {
      data: (chunk) => {
        let at = 0;
        // Pipelined requests answered here leave in one write; one request (the usual case) needs no corking.
        let first: Buffer | undefined;
        let more: Buffer[] | undefined;
        while (at < chunk.length) {
          const end = chunk.indexOf(HEAD_END, at);
          if (end === -1 || end - at > MAX_HEAD) break;
          const req = parseHead(chunk.toString('latin1', at, end));
          const hit = req === undefined ? undefined : hitFor(o, req);
          if (hit === undefined) break;
          const out = answer(hit, answerHead(hit, date.get(), Math.floor(server.keepAliveTimeout / 1000)));
          if (first === undefined) first = out;
          else (more ??= [first]).push(out);
          countHit(o, hit);
          at = end + HEAD_END.length;
        }
        if (more !== undefined) socket.write(Buffer.concat(more));
        else if (first !== undefined) socket.write(first);
        if (at < chunk.length) handOver(socket, chunk.subarray(at), listeners);
        // A client that sends without reading: stop reading until it has taken what was written.
        else if (socket.writableNeedDrain) socket.pause();
      },
      drain: () => socket.resume(),
      timeout: () => socket.destroy(),
      // Everything asked was answered (answers are written at once): close our side too.
      end: () => socket.end(),
      error: () => socket.destroy(),
    };
    socket.on('data', listeners.data);
    socket.on('drain', listeners.drain);
    socket.on('timeout', listeners.timeout);
    socket.on('end', listeners.end);
    socket.on('error', listeners.error);
    socket.once('close', () => held.delete(socket));
    socket.setTimeout(server.keepAliveTimeout);
  });

  return {
    closeIdle: () => {
      for (const s of held) s.end();
      held.clear();
    },
    get held() {
      return held.size;
    },
  };
}
