// Builds the HTTP application (separately from listen, so tests use it in-process): GOPROXY routes,
// operational endpoints, one error handler mapping the error registry to statuses, request logging.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ModuleCache } from '../cache/module-cache.js';
import { GmpError, toGmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { registerGoproxyRoutes } from './goproxy-routes.js';
import { registerOpsRoutes } from './ops-routes.js';

export interface AppOptions {
  readonly cache: ModuleCache;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Replaces private module paths in logs. */
  readonly redact?: (modulePath: string) => string;
  /** Extra routes (checksum database relay, …) registered before the GOPROXY catch-all. */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => void>;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function buildApp(options: AppOptions): FastifyInstance {
  const { metrics, logger } = options;
  const redact = options.redact ?? ((p: string) => p);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    disableRequestLogging: true,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    maxParamLength: 4096,
    // Malformed URLs (bad percent-encoding) are rejected by the router before any handler runs.
    frameworkErrors: (err, _req, res) => {
      const reply = res as unknown as FastifyReply;
      void reply
        .code(400)
        .header('cache-control', 'no-cache')
        .type('text/plain; charset=utf-8')
        .send(`bad request: ${err.message}\n`);
    },
  });
  let closing = false;
  app.addHook('onClose', async () => {
    closing = true;
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  app.addHook('onResponse', async (req, reply) => {
    const endpoint = endpointOf(req);
    metrics.requests.inc({ endpoint, status: String(reply.statusCode) });
    const len = Number(reply.getHeader('content-length'));
    if (req.method !== 'HEAD' && reply.statusCode < 300 && Number.isFinite(len)) metrics.bytesServed.inc({ endpoint }, len);
    if (endpoint === 'healthz' || endpoint === 'readyz' || endpoint === 'metrics') return;
    req.log.info({ method: req.method, url: logURL(req, redact), status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  app.setErrorHandler((err, req, reply) => {
    const e = fromFastifyError(err);
    if (e.status >= 500 && !e.upstream) req.log.error({ err: e.cause ?? e, url: logURL(req, redact) }, 'internal error');
    else if (e.upstream) req.log.warn({ code: e.code, err: e.message, url: logURL(req, redact) }, 'upstream failure');
    reply
      .code(e.status)
      .header('cache-control', e.upstream ? 'no-store' : 'no-cache')
      .type('text/plain; charset=utf-8')
      .send(`${e.message}\n`);
  });

  registerOpsRoutes(app, metrics, () => !closing);
  for (const plugin of options.plugins ?? []) plugin(app);
  registerGoproxyRoutes(app, options.cache);
  return app;
}

/** Fastify's own errors (bad URL, …) carry a statusCode; below 500 they are client errors, not internal ones. */
function fromFastifyError(err: unknown): GmpError {
  if (err instanceof GmpError) return err;
  const status = (err as { statusCode?: number } | undefined)?.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new GmpError(status === 404 ? 'GMP_ERR_NOT_FOUND' : 'GMP_ERR_REQUEST_INVALID', `bad request: ${(err as Error).message}`);
  }
  return toGmpError(err);
}

function endpointOf(req: FastifyRequest): string {
  if (req.goproxy !== undefined) return req.goproxy.endpoint;
  const path = req.url.split('?')[0] ?? '';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return path.slice(1);
  if (path.startsWith('/sumdb/')) return 'sumdb';
  return 'other';
}

function logURL(req: FastifyRequest, redact: (p: string) => string): string {
  const r = req.goproxy;
  if (r === undefined) return req.url.length > 256 ? `${req.url.slice(0, 256)}…` : req.url;
  const shown = redact(r.module);
  if (shown === r.module) return req.url;
  return `/${shown}/${r.endpoint}`;
}
