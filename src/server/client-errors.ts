// Answers for requests that never reach Fastify's routing — Node's HTTP parser rejected them (malformed,
// oversized headers, unknown method tokens, timeouts) or they are CONNECT — as plain text, never JSON.
import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { MethodGuard } from './method-guard.js';
import { methodNotAllowedMessage } from './method-guard.js';

interface ParserError extends Error {
  code?: string;
  reason?: string;
  /** The bytes the parser choked on (a Buffer at run time, whatever Fastify's types say). */
  rawPacket?: unknown;
}

/** A request line whose method is a well-formed token Node's parser does not know (`FROBNICATE /x HTTP/1.1`). */
const TOKEN_REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+) HTTP\/\d\.\d\r?\n/;

/** The status, reason and extra headers for one parser error. */
function answerFor(err: ParserError, guard: MethodGuard): { code: ErrorCode; message: string; headers: string[] } {
  if (err.code === 'HPE_HEADER_OVERFLOW') return { code: 'GMP_ERR_REQUEST_HEADERS', message: 'request header fields too large', headers: [] };
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return { code: 'GMP_ERR_REQUEST_TIMEOUT', message: 'request timeout: the request was not complete in time', headers: [] };
  if (err.code === 'HPE_PAUSED_H2_UPGRADE')
    return { code: 'GMP_ERR_REQUEST_INVALID', message: 'bad request: HTTP/2 without TLS is not served; use HTTP/1.1', headers: [] };
  const line = err.code === 'HPE_INVALID_METHOD' ? TOKEN_REQUEST_LINE.exec(Buffer.isBuffer(err.rawPacket) ? err.rawPacket.toString('latin1') : '') : null;
  if (line !== null) return methodNotAllowed(line[1] as string, line[2] as string, guard);
  return { code: 'GMP_ERR_REQUEST_INVALID', message: `bad request: ${err.reason ?? 'malformed HTTP request'}`, headers: [] };
}

function methodNotAllowed(method: string, target: string, guard: MethodGuard) {
  const allowed = guard.allowed(target);
  return { code: 'GMP_ERR_REQUEST_METHOD' as const, message: methodNotAllowedMessage(method, allowed), headers: [`Allow: ${allowed.join(', ')}`] };
}

/** Writes a complete plain-text answer on a raw socket and closes it (the connection state is unknown). */
function answer(socket: Duplex, a: { code: ErrorCode; message: string; headers: string[] }, err?: Error): void {
  const status = ERRORS[a.code].status;
  const body = `${a.message}\n`;
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Content-Type: text/plain; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-cache',
    ...a.headers,
    'Connection: close',
  ];
  // Node's own rule: never write into a response that has already started on this socket.
  const pending = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && pending?.headersSent !== true) socket.write(`${head.join('\r\n')}\r\n\r\n${body}`);
  socket.destroy(err);
}

/** For Fastify's `clientErrorHandler` option. */
export function clientErrorHandler(guard: MethodGuard): (err: ParserError, socket: Duplex) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    answer(socket, answerFor(err, guard));
  };
}

/**
 * Node answers an Expect other than 100-continue with an empty 417 unless someone listens; RFC 9110 §10.1.1
 * lets a server ignore it, so such requests are routed like any other.
 */
export function ignoreExpectations(server: Server, route: (req: IncomingMessage, res: ServerResponse) => void): void {
  server.on('checkExpectation', route);
  // Node would send 100 Continue before any check ran: it is sent once the request passed them (continueOnce).
  server.on('checkContinue', route);
}

/**
 * For a request that sent `Expect: 100-continue`: tells the client to send its body, now that the method,
 * access and shutdown checks passed. A request refused before this point gets its final answer at once, and
 * the client never sends a body nobody reads (RFC 9110 §10.1.1).
 */
export function continueOnce(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.expect !== undefined && !res.headersSent && /^100-continue$/i.test(req.headers.expect.trim())) res.writeContinue();
}

/**
 * Whether a request carries more than one Host header. Node keeps the first and drops the others; Go's
 * net/http refuses such a request (400 "too many Host headers"), and so do we: the same-origin checks
 * read Host, and two of them may be read differently by a reverse proxy in front of us.
 */
export function tooManyHosts(req: IncomingMessage): boolean {
  const raw = req.rawHeaders;
  let seen = false;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length !== 4 || name.toLowerCase() !== 'host') continue;
    if (seen) return true;
    seen = true;
  }
  return false;
}

/** CONNECT never reaches a request handler: Node emits 'connect' and drops the socket if nobody listens. */
export function refuseConnect(server: Server, guard: MethodGuard): void {
  server.on('connect', (req: IncomingMessage, socket: Duplex) => answer(socket, methodNotAllowed('CONNECT', req.url ?? '/', guard)));
}
