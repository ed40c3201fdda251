// The dashboard's two access questions, each one hook, asked before every answer that names a module or
// changes something. Access control (tokens) replaces the defaults in the composition root.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { permits } from '../auth/token.js';
import type { GmpError } from '../errors.js';
import { gmpError } from '../errors.js';
import '../server/auth-hook.js';

/**
 * May this request read module path X (see it in a search, open its page, its files)? Every dashboard
 * answer that names a module asks. Default: exactly the modules that are not private (--private).
 */
export type MayRead = (req: FastifyRequest, modulePath: string) => boolean;

export function notPrivate(isPrivate: (modulePath: string) => boolean): MayRead {
  return (_req, modulePath) => !isPrivate(modulePath);
}

/**
 * May this request use the admin actions (tokens, pins, purge)? Without access control: only a request
 * made on this machine straight to the server (a loopback peer, no reverse proxy's forwarding header, a
 * loopback name in Host), since anyone else who can reach the port would otherwise be an admin. The Host
 * test keeps out a web page whose own name was re-pointed at 127.0.0.1 (DNS rebinding): to the browser
 * that page is same-origin, and it could otherwise create an admin token and read it back. HTTP/1.0 is
 * refused too: nginx with its defaults (`proxy_pass` and nothing else) connects from loopback with its
 * upstream's address in Host and no forwarding header, and speaks HTTP/1.0, which browsers, curl and
 * gomodproxy's own commands do not; every client behind it would otherwise count as this machine.
 */
export type MayAdmin = (req: FastifyRequest) => boolean;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;
const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

export const loopbackOnly: MayAdmin = (req) =>
  req.raw.httpVersion !== '1.0' &&
  LOOPBACK.test(req.socket.remoteAddress ?? '') &&
  req.headers['x-forwarded-for'] === undefined &&
  req.headers.forwarded === undefined &&
  LOOPBACK_HOST.test(req.headers.host ?? '');

/**
 * With access control on (--auth private|all): the token the auth hook verified decides. A request whose
 * token has read scopes sees the private modules they cover; without one, only public modules.
 */
export function byToken(isPrivate: (modulePath: string) => boolean): MayRead {
  const fallback = notPrivate(isPrivate);
  return (req, modulePath) => (req.access === undefined ? fallback(req, modulePath) : req.access.canRead(modulePath));
}

/** With access control on: an admin token, from anywhere; without one, still a direct loopback request. */
export const adminTokenOrLoopback: MayAdmin = (req) => (req.principal !== undefined && permits(req.principal.scopes, 'admin')) || loopbackOnly(req);

/** The answer to a request that may not use the admin actions: what it lacks, as a registry error. */
export type AdminRefusal = (req: FastifyRequest) => GmpError;

export const BEARER_CHALLENGE = 'Bearer realm="gomodproxy"';

/** Without access control tokens are not looked at: only this machine can be an admin. */
export const notFromHere: AdminRefusal = () =>
  gmpError(
    'GMP_ERR_FORBIDDEN',
    'forbidden: admin actions need a request made on this machine straight to gomodproxy (or --auth private|all and an admin token)',
  );

/** With access control: 401 without a token (a Bearer challenge, which browsers do not answer with a login box), 403 for one without admin. */
export const lacksAdminToken: AdminRefusal = (req) => {
  if (req.principal === undefined)
    return gmpError('GMP_ERR_AUTH_REQUIRED', 'unauthorized: admin actions need an admin token: send it as Authorization: Bearer <token>');
  return gmpError('GMP_ERR_AUTH_SCOPE', `forbidden: token ${JSON.stringify(req.principal.name)} has no admin scope`);
};

/** The one refusal rule, by --auth: what a request that may not administer is told (dashboard and bundle imports). */
export const adminRefusalRule = (authMode: string): AdminRefusal => (authMode === 'off' ? notFromHere : lacksAdminToken);

/** Throws the refusal for a request that may not administer, with the Bearer challenge on a 401. */
export function refuseAdmin(refusal: AdminRefusal, req: FastifyRequest, reply: FastifyReply): never {
  const error = refusal(req);
  if (error.status === 401) reply.header('www-authenticate', BEARER_CHALLENGE);
  throw error;
}

/** The one admin rule, by --auth: the dashboard's admin actions and bundle imports ask it. */
export const adminRule = (authMode: string): MayAdmin => (authMode === 'off' ? loopbackOnly : adminTokenOrLoopback);
