// Access tokens from the Admin view: GET lists them (names, scopes, times, status; never a secret or its
// hash), POST {"name", "scopes", "expires"} creates one and answers its secret this once, DELETE …/<name or
// id> revokes one (servers refuse it within seconds). The same store `gomodproxy token` uses.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { nothingToRevoke } from '../auth/token-store.js';
import { gmpError } from '../errors.js';
import { decodePathSegment } from '../protocol/request.js';
import { AdminInputError, NOT_IN_BUILD } from './admin-features.js';
import type { TokenAdmin } from './admin-features.js';
import { requireAdmin, requireAdminChange } from './admin-guard.js';
import { sendJson } from './api-modules.js';
import type { TokenList } from './api-types.js';
import type { DashboardDeps } from './deps.js';

const NEW_TOKEN = z
  .object({
    name: z.string().max(200),
    scopes: z.array(z.string().max(2000)).max(100),
    expires: z.string().max(50).optional(),
  })
  .strict();

function port(deps: DashboardDeps): TokenAdmin {
  if (deps.admin.tokens === undefined) throw gmpError('GMP_ERR_NOT_AVAILABLE', `tokens: ${NOT_IN_BUILD}`);
  return deps.admin.tokens;
}

/** The body as asked for, or a 400 saying what is wrong with it. */
function newToken(req: FastifyRequest): z.infer<typeof NEW_TOKEN> {
  const parsed = NEW_TOKEN.safeParse(req.body);
  if (parsed.success) return parsed.data;
  throw gmpError(
    'GMP_ERR_REQUEST_INVALID',
    'bad request: send JSON {"name": "ci", "scopes": ["read:corp.example.com/*"], "expires": "90d"} (expires optional)',
  );
}

export function registerTokenRoutes(app: FastifyInstance, deps: DashboardDeps, base: string): void {
  app.get(base, async (req, reply) => {
    requireAdmin(deps, req, reply);
    return sendJson(reply, { tokens: await port(deps).list() } satisfies TokenList);
  });

  app.post(base, { bodyLimit: 16 * 1024 }, async (req, reply) => {
    const by = requireAdminChange(deps, req, reply, 'creating a token');
    const tokens = port(deps);
    const asked = newToken(req);
    try {
      const created = await tokens.create(asked, by);
      // Not its scopes: they may name private modules (the audit log keeps them).
      req.log.info({ token: created.token.name, tokenId: created.token.id }, 'token created from the dashboard');
      reply.code(201);
      return sendJson(reply, created);
    } catch (err) {
      if (err instanceof AdminInputError) throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: ${err.message}`);
      throw err;
    }
  });

  app.delete(`${base}/*`, async (req, reply) => {
    const by = requireAdminChange(deps, req, reply, 'revoking a token');
    const which = decodePathSegment(req.url.slice(base.length + 1).split('?')[0] ?? '');
    const tokens = port(deps);
    const revoked = await tokens.revoke(which, by);
    // 404 either way (no active token has it), saying which: revoked already, or no such token at all.
    if (revoked === undefined) throw gmpError('GMP_ERR_NOT_FOUND', `not found: ${nothingToRevoke(await tokens.list(), which).message}`);
    req.log.info({ token: revoked.name, tokenId: revoked.id }, 'token revoked from the dashboard');
    return sendJson(reply, { token: revoked });
  });
}
