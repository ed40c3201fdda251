// GET /api/v1/modules?q=<path prefix>, /api/v1/modules/<module path>[/@v/<version>[/files|/license]]: the
// cache's modules, read from the BlobStore. A module the request may not read is answered as absent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import { parseModuleTarget } from './api-paths.js';
import type { FileList, ModuleDetails, SearchPage, VersionDetails } from './api-types.js';
import type { ModuleTarget } from './api-paths.js';
import type { DashboardDeps } from './deps.js';
import { moduleDetails } from './module-details.js';
import { escapePrefix, searchModules } from './module-search.js';
import { openCursor, sealCursor } from './search-cursor.js';
import { versionDetails, versionFiles, versionLicense } from './version-details.js';

export const API = '/api/v1';
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;

/** Never sniffed: a module's own text (a LICENSE) must not be taken for a script or a page of this origin. */
const NOSNIFF = 'nosniff';

export function sendJson(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.header('cache-control', 'no-store').header('x-content-type-options', NOSNIFF).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

const absent = (t: ModuleTarget) =>
  gmpError('GMP_ERR_NOT_FOUND', `not found: ${t.version === undefined ? t.path : `${t.path}@${t.version}`} is not in the cache`);

function limitOf(raw: unknown): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT)
    throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

const one = (v: unknown): string | undefined => (typeof v === 'string' ? v : Array.isArray(v) ? (v[0] as string | undefined) : undefined);

export function registerModuleRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  app.get(`${API}/modules`, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    const prefix = one(q.q) ?? '';
    const limit = limitOf(one(q.limit));
    const cursor = one(q.cursor);
    const escaped = escapePrefix(prefix);
    const after = cursor === undefined || cursor === '' ? undefined : openCursor(await deps.cursorKey(), cursor, escaped).after;
    const found = await searchModules(deps.store, prefix, { after, limit, mayRead: (p) => deps.mayRead(req, p) });
    const page: SearchPage =
      found.after === undefined
        ? { modules: found.modules }
        : { modules: found.modules, cursor: sealCursor(await deps.cursorKey(), { prefix: escaped, after: found.after }) };
    return sendJson(reply, page);
  });

  app.get(`${API}/modules/*`, async (req, reply) => {
    const target = parseModuleTarget(req.url.slice(`${API}/modules/`.length));
    if (!deps.mayRead(req, target.path)) throw absent(target);
    if (target.version === undefined) {
      const details = await moduleDetails(deps.store, target.path, await deps.stats.downloads(target.path));
      if (details === undefined) throw absent(target);
      return sendJson(reply, details satisfies ModuleDetails);
    }
    return versionRoute(req, reply, deps, target, target.version);
  });
}

async function versionRoute(_req: FastifyRequest, reply: FastifyReply, deps: DashboardDeps, t: ModuleTarget, version: string): Promise<FastifyReply> {
  if (t.part === 'files') {
    const files = await versionFiles(deps.store, t.path, version);
    if (files === undefined) throw gmpError('GMP_ERR_NOT_FOUND', `not found: the zip of ${t.path}@${version} is not in the cache`);
    return sendJson(reply, { path: t.path, version, ...files } satisfies FileList);
  }
  if (t.part === 'license') {
    const text = await versionLicense(deps.store, t.path, version);
    if (text === undefined) throw gmpError('GMP_ERR_NOT_FOUND', `not found: no cached zip of ${t.path}@${version} has a LICENSE at its root`);
    return reply.header('cache-control', 'no-store').header('x-content-type-options', NOSNIFF).type('text/plain; charset=utf-8').send(text);
  }
  const downloads = (await deps.stats.downloads(t.path))[version] ?? 0;
  const details = await versionDetails(deps, t.path, version, downloads);
  if (details === undefined) throw absent(t);
  return sendJson(reply, details satisfies VersionDetails);
}
