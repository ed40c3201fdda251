// The dashboard's two access questions, each one hook, asked before every answer that names a module or
// changes something. Access control (tokens) replaces the defaults in the composition root.
import type { FastifyRequest } from 'fastify';
import { permits } from '../auth/token.js';
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
 * May this request use the admin actions (purge)? Until access control brings admin tokens: only a
 * request made on this machine straight to the server (a loopback peer, no reverse proxy's forwarding
 * header), since anyone else who can reach the port would otherwise be an admin.
 */
export type MayAdmin = (req: FastifyRequest) => boolean;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export const loopbackOnly: MayAdmin = (req) =>
  LOOPBACK.test(req.socket.remoteAddress ?? '') && req.headers['x-forwarded-for'] === undefined && req.headers.forwarded === undefined;

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

/** The one admin rule, by --auth: the dashboard's admin actions and bundle imports ask it. */
export const adminRule = (authMode: string): MayAdmin => (authMode === 'off' ? loopbackOnly : adminTokenOrLoopback);
