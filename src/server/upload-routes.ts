// The upload API (Artifactory-style): PUT /<module>/@v/<version>.zip publishes a version by itself (its .mod
// from the zip's go.mod, its .info made now); PUT …/<version>.mod and .info may come before the zip (they
// wait for it and must agree with it) or after it (compared). 201 new, 200 same bytes, 202 waiting, 409
// different bytes. Only these paths accept PUT (method-guard.ts); a publish scope is checked by the auth hook.
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { gmpError, isGmpError } from '../errors.js';
import { MAX_GO_MOD, MAX_ZIP_FILE } from '../modzip/zip-check.js';
import { pipeIntoFile } from '../storage/file-pipe.js';
import type { Scratch } from '../storage/scratch.js';
import type { MethodAllowance } from './method-guard.js';
import { parseCached } from './goproxy-routes.js';
import { closeOnEarlyRefusal } from './linger.js';
import type { Outcome, Publisher } from '../publish/publisher.js';

const UPLOAD_PATH = /^\/(?!cached-only\/).+\/@v\/[^/]+\.(zip|mod|info)$/;
const MAX_INFO = 64 << 10;

/** PUT is accepted on upload paths only; every other path keeps answering 405. */
export const UPLOAD_METHODS: readonly MethodAllowance[] = [{ method: 'PUT', pathPrefix: '/', test: (p) => UPLOAD_PATH.test(p) }];

export interface UploadRoutesOptions {
  readonly publisher: Publisher;
  readonly scratch: Scratch;
  readonly audit: AuditLog;
  /** The auth hook for this route alone, when it does not already run for every request. */
  readonly auth?: onRequestHookHandler;
}

export function uploadRoutes(o: UploadRoutesOptions): (app: FastifyInstance) => void {
  return (app) => {
    void app.register(async (scope) => {
      // Bodies of any type are streamed by the handler, never parsed or buffered by Fastify.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
      // A refusal before the body's end (the auth hook's 401 or 403, a declared length over the limit) closes the
      // connection rather than read the rest of the zip (up to 500 MiB) to keep it alive, and the close lingers
      // (linger.ts), so `gomodproxy publish`, still sending, reads the answer rather than a reset.
      closeOnEarlyRefusal(scope);
      scope.route({ method: 'PUT', url: '/*', ...(o.auth === undefined ? {} : { onRequest: o.auth }), handler: (req, reply) => upload(o, req, reply) });
    });
  };
}

async function upload(o: UploadRoutesOptions, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const r = parseCached(req.url);
  req.goproxy = r;
  const principal = req.principal;
  if (principal === undefined) throw gmpError('GMP_ERR_INTERNAL', 'internal error: an upload reached its route without a token');
  const u = { module: r.module, version: r.version, by: principal.name };
  let outcome: Outcome;
  if (r.endpoint === 'zip') {
    const file = o.scratch.file('upload');
    try {
      const size = await receive(req, reply, file.path, MAX_ZIP_FILE);
      outcome = await o.publisher.zip(u, file.path, size);
    } finally {
      await file.discard();
    }
  } else {
    const body = await readSmall(req, reply, r.endpoint === 'mod' ? MAX_GO_MOD : MAX_INFO);
    outcome = r.endpoint === 'mod' ? await o.publisher.mod(u, body) : await o.publisher.info(u, body);
  }
  o.audit.record({
    event: 'publish',
    token: principal.name,
    tokenId: principal.id,
    client: req.ip,
    module: u.module,
    version: u.version,
    file: r.endpoint,
    result: outcome.result,
    ...(outcome.h1 === undefined ? {} : { h1: outcome.h1 }),
  });
  const status = outcome.result === 'created' ? 201 : outcome.result === 'pending' ? 202 : 200;
  return reply.code(status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(`${outcome.message}\n`);
}

export function tooLarge(reply: FastifyReply, limit: number): Error {
  // The rest of the body is not read: the connection cannot be reused.
  reply.header('connection', 'close');
  return gmpError('GMP_ERR_REQUEST_TOO_LARGE', `request body too large: at most ${limit} bytes here`);
}

export function checkLength(req: FastifyRequest, reply: FastifyReply, limit: number): void {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(reply, limit);
}

/** Streams the body into a file, refusing it past limit; returns its size. */
async function receive(req: FastifyRequest, reply: FastifyReply, file: string, limit: number): Promise<number> {
  checkLength(req, reply, limit);
  let n = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      done(n > limit ? tooLarge(reply, limit) : null, chunk);
    },
  });
  try {
    // Our disk failing (full, out of descriptors) is ours, a 503: not a body cut short by the client.
    await pipeIntoFile(file, 'receiving an upload', req.raw, meter);
  } catch (err) {
    if (isGmpError(err)) throw err;
    throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: the upload was cut short (${(err as Error).message})`);
  }
  return n;
}

async function readSmall(req: FastifyRequest, reply: FastifyReply, limit: number): Promise<Buffer> {
  checkLength(req, reply, limit);
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of req.raw as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > limit) throw tooLarge(reply, limit);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
