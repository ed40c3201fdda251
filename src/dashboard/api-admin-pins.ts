// Pinned module versions from the Admin view (versions eviction never removes): GET lists them, PUT
// …/pins/<module path>/@v/<version> pins one, DELETE the same URL unpins it. The same keys `gomodproxy
// pin` and `unpin` use, so every process and replica sharing the data sees them at its next eviction pass.
import type { FastifyInstance } from 'fastify';
import { gmpError } from '../errors.js';
import { check } from '../protocol/module-path.js';
import { NOT_IN_BUILD } from './admin-features.js';
import type { PinAdmin } from './admin-features.js';
import { requireAdmin, requireAdminChange } from './admin-guard.js';
import { sendJson } from './api-modules.js';
import type { PinList, Unpinned } from './api-types.js';
import { parseModuleTarget } from './api-paths.js';
import type { DashboardDeps } from './deps.js';

function port(deps: DashboardDeps): PinAdmin {
  if (deps.admin.pins === undefined) throw gmpError('GMP_ERR_NOT_AVAILABLE', `pins: ${NOT_IN_BUILD}`);
  return deps.admin.pins;
}

/** `<module path>/@v/<version>` after the base, checked as the go command checks a module@version (400 otherwise). */
function target(url: string, base: string): { path: string; version: string } {
  const t = parseModuleTarget(url.slice(base.length + 1));
  if (t.version === undefined || t.part !== undefined) throw gmpError('GMP_ERR_NOT_FOUND', `not found: name one version: ${base}/<module path>/@v/<version>`);
  const problem = check(t.path, t.version);
  if (problem !== undefined) throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: ${problem}`);
  return { path: t.path, version: t.version };
}

export function registerPinRoutes(app: FastifyInstance, deps: DashboardDeps, base: string): void {
  app.get(base, async (req, reply) => {
    requireAdmin(deps, req, reply);
    return sendJson(reply, (await port(deps).list()) satisfies PinList);
  });

  app.put(`${base}/*`, async (req, reply) => {
    requireAdminChange(deps, req, reply, 'pinning');
    const pins = port(deps);
    const t = target(req.url, base);
    await pins.pin(t.path, t.version);
    req.log.info({ module: deps.redact(t.path), version: t.version }, 'pinned from the dashboard');
    return sendJson(reply, { pinned: { module: t.path, version: t.version } });
  });

  app.delete(`${base}/*`, async (req, reply) => {
    requireAdminChange(deps, req, reply, 'unpinning');
    const pins = port(deps);
    const t = target(req.url, base);
    const unpinned = await pins.unpin(t.path, t.version);
    // A version a --pin-from file lists stays pinned whatever happened here: saying "unpinned" or "not pinned" alone would be wrong.
    const pinFrom = await pins.pinnedBy(t.path, t.version);
    if (!unpinned) {
      throw gmpError(
        'GMP_ERR_NOT_FOUND',
        pinFrom.length > 0
          ? `not found: ${t.path}@${t.version} is pinned by a --pin-from file of the server, not here: remove it from that file`
          : `not found: ${t.path}@${t.version} is not pinned (unpinned already, or never pinned): nothing to do`,
      );
    }
    req.log.info({ module: deps.redact(t.path), version: t.version, stillPinned: pinFrom.length > 0 }, 'unpinned from the dashboard');
    const answer: Unpinned = { unpinned: { module: t.path, version: t.version }, ...(pinFrom.length > 0 ? { pinFrom } : {}) };
    return sendJson(reply, answer);
  });
}
