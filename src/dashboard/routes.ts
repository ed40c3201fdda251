// The dashboard as one plugin of the HTTP app: the /ui/ pages and the JSON API under /api/v1/, registered
// before the GOPROXY catch-all (an unknown /api/ path is a 404 here, never a malformed module path there).
import type { FastifyInstance } from 'fastify';
import { gmpError } from '../errors.js';
import { BUNDLES_PATH } from '../server/bundle-routes.js';
import type { MethodAllowance } from '../server/method-guard.js';
import { ADMIN, registerAdminRoutes } from './api-admin.js';
import { API, registerModuleRoutes, sendJson } from './api-modules.js';
import { registerOpsRoutes } from './api-ops.js';
import type { DashboardDeps } from './deps.js';
import type { UiAssets } from './ui-assets.js';
import { loadUiAssets } from './ui-assets.js';
import { registerUiRoutes } from './ui-routes.js';

/**
 * The methods besides GET and HEAD, all admin changes, each on exactly the paths that take it (any other is a
 * 405 with the right Allow): purging, revoking and unpinning; creating tokens; pinning.
 */
export const DASHBOARD_METHODS: readonly MethodAllowance[] = [
  ...['modules/', 'tokens/', 'pins/'].map((under) => ({ method: 'DELETE', pathPrefix: `${ADMIN}/${under}` })),
  { method: 'POST', pathPrefix: `${ADMIN}/tokens`, test: (path: string) => path === `${ADMIN}/tokens` },
  { method: 'PUT', pathPrefix: `${ADMIN}/pins/` },
];

export const API_INDEX = {
  ops: `${API}/ops?window=minutes|hours`,
  upstreams: `${API}/upstreams`,
  setup: `${API}/setup`,
  modules: `${API}/modules?q=<module path prefix>&limit=<n>&cursor=<cursor>`,
  module: `${API}/modules/<module path>`,
  version: `${API}/modules/<module path>/@v/<version>`,
  files: `${API}/modules/<module path>/@v/<version>/files`,
  license: `${API}/modules/<module path>/@v/<version>/license`,
  admin: ADMIN,
  purge: `DELETE ${ADMIN}/modules/<module path>/@v/<version>`,
  tokens: `GET|POST ${ADMIN}/tokens, DELETE ${ADMIN}/tokens/<name or id>`,
  pins: `GET ${ADMIN}/pins, PUT|DELETE ${ADMIN}/pins/<module path>/@v/<version>`,
  // Served by server/bundle-routes.ts (with or without the dashboard), but an admin request like the others.
  bundles: `POST ${BUNDLES_PATH} (body: a bundle, .tar or .tar.gz)`,
};

export function dashboardRoutes(deps: DashboardDeps, assets: () => Promise<UiAssets> = loadUiAssets): (app: FastifyInstance) => void {
  return (app) => {
    registerUiRoutes(app, assets);
    registerModuleRoutes(app, deps);
    registerOpsRoutes(app, deps);
    registerAdminRoutes(app, deps);
    app.get(API, async (_req, reply) => sendJson(reply, API_INDEX));
    app.get('/api/*', async () => {
      throw gmpError('GMP_ERR_NOT_FOUND', `not found: unknown API path (see ${API})`);
    });
  };
}
