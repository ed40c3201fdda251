// The Admin view's API: which admin features this build has, tokens and pins (ports other parts fill in;
// 501 until they do), and DELETE /api/v1/admin/modules/<module path>/@v/<version> to purge a cached version.
// Every answer asks the MayAdmin hook; a purge also needs a same-origin request (browsers preflight a
// cross-site DELETE, and we never answer preflights), so a web page elsewhere cannot purge through a browser.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import { API, sendJson } from './api-modules.js';
import { parseModuleTarget } from './api-paths.js';
import { NOT_IN_BUILD } from './admin-features.js';
import type { DashboardDeps } from './deps.js';
import { purgeVersion } from './purge.js';

export const ADMIN = `${API}/admin`;

function requireAdmin(deps: DashboardDeps, req: FastifyRequest): void {
  if (!deps.mayAdmin(req))
    throw gmpError('GMP_ERR_FORBIDDEN', 'forbidden: admin actions need admin access (in this build: a request from this machine itself)');
}

/** A request a browser sent from another site's page names that site in Origin; ours match the Host. */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return req.headers['sec-fetch-site'] === undefined || req.headers['sec-fetch-site'] === 'same-origin';
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

export function registerAdminRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  const feature = (present: boolean) => (present ? { available: true } : { available: false, reason: NOT_IN_BUILD });
  app.get(ADMIN, async (req, reply) =>
    sendJson(reply, {
      admin: deps.mayAdmin(req),
      features: { tokens: feature(deps.admin.tokens !== undefined), pins: feature(deps.admin.pins !== undefined), purge: feature(true) },
    }),
  );
  for (const [name, port] of [
    ['tokens', deps.admin.tokens],
    ['pins', deps.admin.pins],
  ] as const) {
    app.get(`${ADMIN}/${name}`, async (req, reply) => {
      requireAdmin(deps, req);
      if (port === undefined) throw gmpError('GMP_ERR_NOT_AVAILABLE', `${name}: ${NOT_IN_BUILD}`);
      return sendJson(reply, { [name]: await port.list() });
    });
  }
  app.delete(`${ADMIN}/modules/*`, async (req, reply) => {
    requireAdmin(deps, req);
    if (!sameOrigin(req)) throw gmpError('GMP_ERR_FORBIDDEN', 'forbidden: a purge must come from this dashboard (same origin)');
    const t = parseModuleTarget(req.url.slice(`${ADMIN}/modules/`.length));
    if (t.version === undefined || t.part !== undefined)
      throw gmpError('GMP_ERR_NOT_FOUND', 'not found: purge one version: /api/v1/admin/modules/<module path>/@v/<version>');
    const version = t.version;
    const result = await purgeVersion(deps.store, t.path, version, () => deps.stats.forget(t.path, version));
    req.log.info({ module: deps.redact(t.path), version, deleted: result.deleted }, 'purged a cached version');
    return sendJson(reply, result);
  });
}
