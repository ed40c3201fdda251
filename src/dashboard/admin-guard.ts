// The two questions every admin answer asks first: may this request administer (an admin token, or this
// machine itself: deps.mayAdmin), and, for a change, did it come from the dashboard's own origin (browsers
// preflight a cross-site DELETE, PUT or JSON POST and we never answer preflights, but a plain form POST is
// not preflighted), so a web page elsewhere cannot act through an admin's browser.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import { sameOrigin } from '../server/same-origin.js';
import { refuseAdmin } from './access.js';
import type { Actor } from './admin-features.js';
import type { DashboardDeps } from './deps.js';

export function requireAdmin(deps: DashboardDeps, req: FastifyRequest, reply: FastifyReply): void {
  if (deps.mayAdmin(req)) return;
  refuseAdmin(deps.adminRefusal, req, reply);
}

/** For requests that change something: an admin, from this dashboard (or a client that names no origin). Returns who it is. */
export function requireAdminChange(deps: DashboardDeps, req: FastifyRequest, reply: FastifyReply, what: string): Actor {
  requireAdmin(deps, req, reply);
  if (!sameOrigin(req)) throw gmpError('GMP_ERR_FORBIDDEN', `forbidden: ${what} must come from this dashboard (same origin)`);
  const p = req.principal;
  return { client: req.ip, ...(p === undefined ? {} : { token: p.name, tokenId: p.id }) };
}
