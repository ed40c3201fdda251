// POST /api/v1/admin/bundles: a bundle imported into the running proxy (`bundle import FILE --url URL`).
// The body is streamed into the same import the --data path runs (bounded memory, nothing stored unless all
// of it verifies); who may do it is the admin rule the dashboard's purge asks (a token or a loopback peer), and,
// as for the dashboard's changes, only from a client that names no other origin: a browser posts a body of a
// simple type (fetch in no-cors mode) to another origin without a preflight, so a hostile page an operator
// opens on the proxy's machine would otherwise import through that browser.
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gmpError, isGmpError } from '../errors.js';
import type { MethodAllowance } from './method-guard.js';
import { sameOrigin } from './same-origin.js';
import { closeOnEarlyRefusal } from './linger.js';
import { checkLength, tooLarge } from './upload-routes.js';

export const BUNDLES_PATH = '/api/v1/admin/bundles';

export const BUNDLE_METHODS: readonly MethodAllowance[] = [{ method: 'POST', pathPrefix: BUNDLES_PATH }];

export interface BundleRouteOptions {
  /** The admin rule (src/dashboard/access.ts). */
  readonly mayAdmin: (req: FastifyRequest) => boolean;
  /** Throws what a request that may not import is told (the dashboard's admin refusal: 401 with a challenge without a token, else 403). */
  readonly refuse: (req: FastifyRequest, reply: FastifyReply) => never;
  /** The largest body accepted. */
  readonly maxBytes: number;
  /** Verifies and commits a bundle; a refusal is a GmpError naming the offending entry. Answers a summary. */
  readonly importBundle: (body: AsyncIterable<Buffer>) => Promise<Record<string, unknown>>;
}

export function bundleRoutes(o: BundleRouteOptions): (app: FastifyInstance) => void {
  return (app) => {
    void app.register(async (scope) => {
      // The body is streamed by the handler, never parsed or buffered by Fastify.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      // A refusal answered before the body's end (the auth hook's 401, a Content-Type Fastify cannot parse, the
      // import's own early refusals such as a coordinator outage, a body over the limit) closes the connection: Node
      // would otherwise read the rest of the upload (up to --bundle-max-size, gigabytes) to keep it alive. The close
      // lingers (linger.ts), so the client, still sending, reads the answer rather than a reset.
      closeOnEarlyRefusal(scope);
      scope.post(BUNDLES_PATH, (req, reply) => receive(o, req, reply));
    });
  };
}

async function receive(o: BundleRouteOptions, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (!o.mayAdmin(req)) {
    reply.header('connection', 'close');
    o.refuse(req, reply);
  }
  if (!sameOrigin(req)) {
    reply.header('connection', 'close');
    throw gmpError('GMP_ERR_FORBIDDEN', 'forbidden: a bundle import must come from this dashboard (same origin) or a client that sends no Origin');
  }
  checkLength(req, reply, o.maxBytes);
  let n = 0;
  // Piped, not iterated: ending the import early must not destroy the request, whose answer is still to come.
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(n > o.maxBytes ? tooLarge(reply, o.maxBytes) : null, chunk);
    },
  });
  req.raw.on('error', (err) => meter.destroy(err));
  req.raw.pipe(meter);
  let summary: Record<string, unknown>;
  try {
    summary = await o.importBundle(meter);
  } catch (err) {
    // A refusal found before the body ended is answered now, and the connection closed (the onSend hook above):
    // nothing more of the body is read.
    req.raw.unpipe(meter);
    if (isGmpError(err)) throw err;
    if (req.raw.errored !== null || req.raw.aborted)
      throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: the upload was cut short (${(err as Error).message})`);
    throw err;
  }
  req.log.info(summary, 'imported a bundle');
  return reply
    .code(200)
    .header('cache-control', 'no-store')
    .type('application/json; charset=utf-8')
    .send(`${JSON.stringify(summary)}\n`);
}
