// GET /ui/…: the dashboard's page for every view URL (/ui/setup, /ui/ops, /ui/modules, /ui/modules/<module
// path>[/@v/<version>], /ui/admin) and its hashed assets. Registered before the GOPROXY catch-all; no module
// path can start with `ui/` (a module path's first element has a dot), so nothing is shadowed.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import type { Asset, UiAssets } from './ui-assets.js';

/** Scripts, styles and requests only from this origin: nothing is fetched from anywhere else. */
export const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const VIEWS = /^\/ui\/(?:|setup|ops|admin|modules(?:\/.*)?)$/;

function send(req: FastifyRequest, reply: FastifyReply, a: Asset, cacheControl: string): FastifyReply {
  reply.header('cache-control', cacheControl).header('etag', a.etag).header('vary', 'accept-encoding').type(a.type);
  reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff').header('referrer-policy', 'no-referrer');
  if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
  const accept = String(req.headers['accept-encoding'] ?? '');
  const [body, encoding] = /\bbr\b/.test(accept) ? [a.br, 'br'] : /\bgzip\b/.test(accept) ? [a.gzip, 'gzip'] : [a.body, undefined];
  if (encoding !== undefined) reply.header('content-encoding', encoding);
  reply.header('content-length', body.length);
  return reply.send(req.method === 'HEAD' ? undefined : body);
}

export function registerUiRoutes(app: FastifyInstance, assets: () => Promise<UiAssets>): void {
  app.get('/ui', async (_req, reply) => reply.redirect('/ui/', 302));
  app.get('/ui/assets/:name', async (req, reply) => {
    const a = (await assets()).files.get((req.params as { name: string }).name);
    if (a === undefined) throw gmpError('GMP_ERR_NOT_FOUND', 'not found: no such dashboard file');
    return send(req, reply, a, 'public, max-age=31536000, immutable');
  });
  app.get('/ui/*', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (!VIEWS.test(path)) throw gmpError('GMP_ERR_NOT_FOUND', 'not found: no such dashboard view');
    return send(req, reply, (await assets()).index, 'no-cache');
  });
}
