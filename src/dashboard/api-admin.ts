// The Admin view's API: which admin features this build has and whether the caller is an admin, the token
// and pin routes (api-admin-tokens.ts, api-admin-pins.ts), and DELETE /api/v1/admin/modules/<module
// path>/@v/<version> to purge a cached version. Every answer asks admin-guard.ts first.
import type { FastifyInstance } from 'fastify';
import { gmpError } from '../errors.js';
import { API, sendJson } from './api-modules.js';
import { parseModuleTarget } from './api-paths.js';
import { NOT_IN_BUILD } from './admin-features.js';
import { requireAdminChange } from './admin-guard.js';
import { registerPinRoutes } from './api-admin-pins.js';
import type { Admin } from './api-types.js';
import { registerTokenRoutes } from './api-admin-tokens.js';
import type { DashboardDeps } from './deps.js';
import { purgeVersion } from './purge.js';

export const ADMIN = `${API}/admin`;

export function registerAdminRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  const feature = (present: boolean) => (present ? { available: true } : { available: false, reason: NOT_IN_BUILD });
  app.get(ADMIN, async (req, reply) =>
    sendJson(reply, {
      admin: deps.mayAdmin(req),
      // Whether an admin token counts here (--auth private|all); without access control only this machine is an admin.
      tokensAccepted: deps.tokensAccepted,
      ...(req.principal === undefined ? {} : { token: req.principal.name }),
      features: { tokens: feature(deps.admin.tokens !== undefined), pins: feature(deps.admin.pins !== undefined), purge: feature(true) },
    } satisfies Admin),
  );
  registerTokenRoutes(app, deps, `${ADMIN}/tokens`);
  registerPinRoutes(app, deps, `${ADMIN}/pins`);
  app.delete(`${ADMIN}/modules/*`, async (req, reply) => {
    requireAdminChange(deps, req, reply, 'a purge');
    const t = parseModuleTarget(req.url.slice(`${ADMIN}/modules/`.length));
    if (t.version === undefined || t.part !== undefined)
      throw gmpError('GMP_ERR_NOT_FOUND', 'not found: purge one version: /api/v1/admin/modules/<module path>/@v/<version>');
    const version = t.version;
    const result = await purgeVersion(deps.store, deps.purge, t.path, version, () => deps.stats.forget(t.path, version));
    req.log.info({ module: deps.redact(t.path), version, deleted: result.deleted, bundled: result.bundled === true }, 'purged a cached version');
    return sendJson(reply, result);
  });
}
