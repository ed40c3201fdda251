// Builds the HTTP application (separately from listen, so tests use it in-process): GOPROXY routes,
// operational endpoints, one error handler mapping the error registry to statuses, request logging.
import Fastify, { LogController } from 'fastify';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { ModuleCache } from '../cache/module-cache.js';
import { ERROR_CODE_HEADER, GmpError, gmpError, toGmpError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { clientErrorHandler, continueOnce, ignoreExpectations, refuseConnect, tooManyHosts } from './client-errors.js';
import { withFastHits, requestId } from './fast-hits.js';
import { installWireHits } from './wire-hits.js';
import { trackConnections } from './drain.js';
import type { WireHits } from './wire-hits.js';
import type { FastHitsOptions } from './fast-hits.js';
import { registerGoproxyRoutes } from './goproxy-routes.js';
import { MetricChildren } from './metric-children.js';
import { MethodGuard, methodNotAllowedMessage } from './method-guard.js';
import type { MethodAllowance } from './method-guard.js';
import { registerOpsRoutes } from './ops-routes.js';
import { redactTokens } from '../auth/token.js';
import { elementsNamePrivate } from '../protocol/private-text.js';
import type { Readiness } from './ops-routes.js';
import type { LocalFailures } from '../storage/local-failures.js';

export interface AppOptions {
  readonly cache: ModuleCache;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** Replaces private module paths in logs. */
  readonly redact?: (modulePath: string) => string;
  /** What /metrics serves (default: this process's registry). */
  readonly metricsText?: () => Promise<string>;
  /** Extra routes (checksum database relay, …) registered before the GOPROXY catch-all. */
  readonly plugins?: ReadonlyArray<(app: FastifyInstance) => void>;
  /** Methods other than GET and HEAD that the plugins' routes accept, by path prefix (uploads). */
  readonly methods?: readonly MethodAllowance[];
  /** What /readyz reports besides shutting down: unreachable storage (503), a degraded coordinator (200). */
  readonly readiness?: () => Readiness;
  /** Serve https with this certificate and key (swapped later with setSecureContext). */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
  /** Peers whose X-Forwarded-For gives the client address (`req.ip`), as Fastify's trustProxy; none when absent. */
  readonly trustProxy?: false | string;
  /**
   * Answer memory hits on .info and .mod before Fastify (fast-hits.ts); `false` when every read must pass
   * the request hooks (policy rules). `mayServe` decides which requests carrying no credentials need no check.
   */
  readonly fastHits?: false | Pick<FastHitsOptions, 'mayServe'>;
  /** Told of every zip sent whole (the dashboard's download counts); kept to one call on the hit path. */
  readonly onZipServed?: (modulePath: string, version: string) => void;
  /** This process's own storage failing (a full disk): logged once per run of failures, not per request. */
  readonly localFailures?: LocalFailures;
}

export function buildApp(options: AppOptions): FastifyInstance {
  const { metrics, logger } = options;
  const redact = options.redact ?? ((p: string) => p);
  const guard = new MethodGuard(options.methods);
  const app = Fastify({
    ...(options.https === undefined ? {} : ({ https: { cert: options.https.cert, key: options.https.key } } as object)),
    loggerInstance: logger as FastifyBaseLogger,
    // req.ip only (the failed-login limit, the audit log); who may administer reads the socket's own peer.
    trustProxy: options.trustProxy ?? false,
    // Fastify's own per-request lines are off: the onResponse hook below logs one cheaper line.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: false,
    genReqId: (req) => requestId(req.headers['x-request-id']),
    // Fastify's own 503 while closing is JSON: the onRequest hook answers it instead.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Node answers a missing Host with an empty 400; the onRequest hook answers it with a reason.
    http: { requireHostHeader: false },
    clientErrorHandler: clientErrorHandler(guard),
    routerOptions: { maxParamLength: 4096 },
    // Malformed URLs (bad percent-encoding) are rejected by the router before any handler runs.
    frameworkErrors: (err, _req, res) => {
      const reply = res as unknown as FastifyReply;
      void reply
        .code(400)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .type('text/plain; charset=utf-8')
        .send(`bad request: ${err.message}\n`);
    },
  });
  refuseConnect(app.server, guard);
  ignoreExpectations(app.server, (req, res) => app.routing(req, res));
  let closing = false;
  let wire: WireHits | undefined;
  const drain = trackConnections(app.server as Server, options.https !== undefined);
  app.addHook('preClose', (done) => {
    closing = true;
    wire?.closeIdle();
    drain.start();
    done();
  });
  app.addHook('onClose', async () => {
    // Answers already sent may still be on their way to disk.
    await options.cache.close();
  });

  // Callback-style hooks: an async hook costs a promise per request on the hot path. This one runs
  // before body parsing and routing, so a refused method never has its body read.
  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    if (!guard.accepts(req.method, req.url)) {
      const allowed = guard.allowed(req.url);
      reply.header('allow', allowed.join(', '));
      return done(gmpError('GMP_ERR_REQUEST_METHOD', methodNotAllowedMessage(req.method, allowed)));
    }
    if (closing) {
      reply.header('connection', 'close');
      return done(gmpError('GMP_ERR_SHUTTING_DOWN', 'service unavailable: shutting down'));
    }
    if (req.headers.host === undefined && req.raw.httpVersion === '1.1') {
      return done(gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: an HTTP/1.1 request needs a Host header'));
    }
    if (tooManyHosts(req.raw)) return done(gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: too many Host headers'));
    done();
  });

  // After every onRequest hook (the method guard above, access control, policy): the body is read next.
  app.addHook('preParsing', (req, reply, payload, done) => {
    continueOnce(req.raw, reply.raw);
    done(null, payload);
  });

  const counters = new MetricChildren(metrics);
  const record = (req: FastifyRequest, reply: FastifyReply): void => {
    const endpoint = endpointOf(req);
    const status = reply.statusCode;
    counters.request(endpoint, status).inc();
    const len = Number(reply.getHeader('content-length'));
    if (req.method !== 'HEAD' && status < 300 && Number.isFinite(len)) counters.bytes(endpoint).inc(len);
    if (status === 200 && req.goproxy?.endpoint === 'zip' && req.method === 'GET') options.onZipServed?.(req.goproxy.module, req.goproxy.version);
    if (endpoint === 'healthz' || endpoint === 'readyz' || endpoint === 'metrics') return;
    // Hits are the bulk of the traffic and say nothing new: debug. Fills and failures: info.
    const notable = status >= 400 || req.goproxyFilled === true;
    if (!notable && !logger.isLevelEnabled('debug')) return;
    const line = { method: req.method, url: logURL(req, redact), status, ms: Math.round(reply.elapsedTime) };
    if (notable) req.log.info(line, 'request');
    else req.log.debug(line, 'request');
  };
  app.addHook('onResponse', (req, reply, done) => {
    record(req, reply);
    done();
  });

  app.setErrorHandler((err, req, reply) => {
    const e = fromFastifyError(err);
    if (e.local) {
      if (options.localFailures?.failed(e, { url: logURL(req, redact) }) !== true)
        req.log.error({ code: e.code, err: e.message, url: logURL(req, redact) }, 'local failure');
    } else if (e.code === 'GMP_ERR_SHUTTING_DOWN') {
      // A known moment, not a fault: the request line (onResponse) says it was refused with 503.
    } else if (e.status >= 500 && !e.upstream) req.log.error({ err: e.cause ?? e, url: logURL(req, redact) }, 'internal error');
    else if (e.dependency !== undefined) req.log.warn({ code: e.code, err: e.message, url: logURL(req, redact) }, `${e.dependency} failure`);
    // 503s say when to come back (storage or coordinator unreachable, a full disk).
    if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
    reply
      .code(e.status)
      .header('cache-control', e.upstream ? 'no-store' : 'no-cache')
      // Messages quote the request (and upstreams' text): plain text to browsers too, never sniffed as a page or script.
      .header('x-content-type-options', 'nosniff')
      // The registry's code, for a client that is a proxy too (a follower): which 403 is a policy's final word.
      .header(ERROR_CODE_HEADER, e.code)
      .type('text/plain; charset=utf-8')
      .send(`${e.message}\n`);
  });

  app.setNotFoundHandler(() => {
    throw gmpError('GMP_ERR_NOT_FOUND', 'not found: unknown endpoint');
  });
  registerOpsRoutes(app, metrics, () => !closing, options.metricsText, options.readiness);
  for (const plugin of options.plugins ?? []) plugin(app);
  registerGoproxyRoutes(app, options.cache);
  if (options.fastHits !== false) {
    // Fastify listens through the server's one 'request' listener: hits are answered before it runs.
    const [route] = app.server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    if (route === undefined) throw new Error('Fastify registered no request listener');
    const fast = {
      cache: options.cache,
      counters,
      closing: () => closing,
      logsHits: () => logger.isLevelEnabled('debug'),
      mayServe: options.fastHits?.mayServe,
    };
    app.server.removeListener('request', route);
    app.server.on('request', withFastHits(fast, route));
    // Plain HTTP only: over TLS the connection event carries encrypted bytes.
    if (options.https === undefined) wire = installWireHits(app.server as Server, fast);
  }
  return app;
}

/** Registry codes for the client-error statuses Fastify's own errors (bad URL, body limits, …) carry. */
const FASTIFY_STATUS: Readonly<Record<number, [ErrorCode, string]>> = {
  404: ['GMP_ERR_NOT_FOUND', 'not found'],
  405: ['GMP_ERR_REQUEST_METHOD', 'method not allowed'],
  408: ['GMP_ERR_REQUEST_TIMEOUT', 'request timeout'],
  413: ['GMP_ERR_REQUEST_TOO_LARGE', 'request body too large'],
  431: ['GMP_ERR_REQUEST_HEADERS', 'request header fields too large'],
};

/** Fastify's own errors carry a statusCode; below 500 they are client errors, not internal ones. */
function fromFastifyError(err: unknown): GmpError {
  if (err instanceof GmpError) return err;
  const status = (err as { statusCode?: number } | undefined)?.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const [code, what] = FASTIFY_STATUS[status] ?? ['GMP_ERR_REQUEST_INVALID', 'bad request'];
    return new GmpError(code, `${what}: ${(err as Error).message}`);
  }
  return toGmpError(err);
}

function endpointOf(req: FastifyRequest): string {
  if (req.goproxy !== undefined) return req.goproxy.endpoint;
  const path = req.url.split('?')[0] ?? '';
  if (path === '/healthz' || path === '/readyz' || path === '/metrics') return path.slice(1);
  if (path.startsWith('/sumdb/')) return 'sumdb';
  if (path === '/index') return 'index';
  if (path.startsWith('/hooks/')) return 'hooks';
  if (path === '/ui' || path.startsWith('/ui/')) return 'ui';
  if (path.startsWith('/api/')) return 'api';
  return 'other';
}

function logURL(req: FastifyRequest, redact: (p: string) => string): string {
  const r = req.goproxy;
  if (r === undefined) {
    // No route parsed it (refused by a hook, malformed, another endpoint): it may still name a private module.
    if (namesPrivate(req.url, redact)) return `/<private>/${endpointOf(req)}`;
    // A token someone put in the URL (`?token=gmp_…`, which nothing reads) is logged by its id only.
    return redactTokens(req.url.length > 256 ? `${req.url.slice(0, 256)}…` : req.url);
  }
  const shown = redact(r.module);
  if (shown === r.module) return redactTokens(req.url);
  return `/${shown}/${r.endpoint}`;
}

/** A module path starts within the first few elements of a URL's path or query value (`/sumdb/NAME/lookup/…`, `/api/v1/admin/pins/…`). */
const MAX_START = 8;
/** Elements of a URL part looked at: more than any module path has, after MAX_START. */
const MAX_SPLIT = MAX_START + 64;
/** Query names and values looked at. */
const MAX_PARTS = 32;

/**
 * Whether a URL names a module path that redact hides, wherever in it: a GOPROXY path (also case-escaped, or
 * after /cached-only/), a checksum-database lookup (`…/lookup/<path>@<version>`), a dashboard page or search.
 * Asked only for URLs about to be logged that no route parsed, so the work is bounded whatever the URL (a
 * request of thousands of `/` must not cost seconds).
 */
export function namesPrivate(url: string, redact: (p: string) => string): boolean {
  const q = url.indexOf('?');
  const parts = [url.slice(0, q < 0 ? url.length : q)];
  if (q >= 0) parts.push(...url.slice(q + 1).split(/[&=]/, MAX_PARTS));
  const isPrivate = (p: string) => redact(p) !== p;
  return parts.some((part) => elementsNamePrivate(part.split('/', MAX_SPLIT).map(loosely(decodeURIComponent)), isPrivate, MAX_START));
}

function loosely(decode: (s: string) => string): (s: string) => string {
  return (s) => {
    try {
      return decode(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
}
