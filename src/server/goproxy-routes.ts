// One handler per GOPROXY endpoint (§1.1): GET/HEAD /<module>/@v/list, /@v/<v>.info|.mod|.zip, /@latest.
// Headers follow the cache semantics: immutable artifacts are cacheable forever, lists and queries briefly.
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import type { FetchOptions, ModuleCache, Small } from '../cache/module-cache.js';
import { parseRequestPath } from '../protocol/request.js';
import type { GoproxyRequest } from '../protocol/request.js';
import { ifRangeAllows, parseRange } from './http-range.js';
import { sendFile } from './send-file.js';

export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Lists and queries: fresh downstream as long as here (--list-ttl), never longer. */
export const short = (listTTLms: number): string => `public, max-age=${Math.floor(listTTLms / 1000)}`;
export const JSON_TYPE = 'application/json';

/**
 * `cc` for this request: an answer to a request with credentials (a private module under --auth private,
 * everything under --auth all) says `private` instead of `public`, since `public` lets a shared cache in front
 * of the proxy keep it and hand it to requests without a token (RFC 9111 §3.5).
 */
export function cacheControlFor(req: FastifyRequest, cc: string): string {
  return req.headers.authorization === undefined || !cc.startsWith('public') ? cc : `private${cc.slice('public'.length)}`;
}
export const TEXT_TYPE = 'text/plain; charset=utf-8';

declare module 'fastify' {
  interface FastifyRequest {
    goproxy?: GoproxyRequest;
    /** Set when answering needed an upstream fetch: such requests are logged at info, hits at debug. */
    goproxyFilled?: boolean;
  }
}

/** Parsed request paths by raw URL: validating module paths is the costliest part of a hit (shared with the auth hook). */
const PARSED_MAX = 10_000;
const parsed = new Map<string, GoproxyRequest>();

export function parseCached(url: string): GoproxyRequest {
  let r = parsed.get(url);
  if (r === undefined) {
    r = parseRequestPath(url);
    // Forget everything at once when full: cheaper than LRU bookkeeping on every hit.
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(url, r);
  }
  return r;
}

export function registerGoproxyRoutes(app: FastifyInstance, cache: ModuleCache): void {
  const shortLived = short(cache.listTTLms);
  app.route({
    // Other methods never get here: the app's onRequest hook answers them 405.
    method: ['GET', 'HEAD'],
    url: '/*',
    handler: async (req, reply) => {
      const r = parseCached(req.url);
      req.goproxy = r;
      const dmf = req.headers['disable-module-fetch'];
      const cachedOnly = r.cachedOnly || (dmf !== undefined && String(dmf).toLowerCase() === 'true');
      const opts = { cachedOnly, onFill: () => (req.goproxyFilled = true) };
      switch (r.endpoint) {
        case 'list':
          return sendSmall(req, reply, await cache.list(r.module, opts), TEXT_TYPE, shortLived);
        case 'latest':
          return sendSmall(req, reply, await cache.latest(r.module, opts), JSON_TYPE, shortLived);
        case 'info': {
          const info = await cache.info(r.module, r.version, opts);
          return sendSmall(req, reply, info, JSON_TYPE, info.immutable ? IMMUTABLE : shortLived);
        }
        case 'mod':
          return sendSmall(req, reply, await cache.mod(r.module, r.version, opts), TEXT_TYPE, IMMUTABLE);
        case 'zip':
          return sendZip(req, reply, cache, r, opts);
      }
    },
  });
}

/** If-None-Match names this entity tag (or any). */
export function notModified(inm: string | undefined, etag: string): boolean {
  if (inm === undefined) return false;
  return inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');
}

function sendSmall(req: FastifyRequest, reply: FastifyReply, s: Small, type: string, cacheControl: string): FastifyReply {
  reply.header('etag', s.etag).header('cache-control', s.stale ? 'no-cache' : cacheControlFor(req, cacheControl));
  if (s.stale) reply.header('warning', '110 gomodproxy "Response is stale: upstreams unavailable"');
  if (notModified(req.headers['if-none-match'], s.etag)) return reply.code(304).send();
  reply.type(type).header('content-length', s.body.length);
  return reply.send(req.method === 'HEAD' ? undefined : s.body);
}

async function sendZip(req: FastifyRequest, reply: FastifyReply, cache: ModuleCache, r: GoproxyRequest, opts: FetchOptions) {
  const zip = await cache.zip(r.module, r.version, opts);
  reply.header('etag', zip.etag).header('cache-control', cacheControlFor(req, IMMUTABLE)).header('accept-ranges', 'bytes').type('application/zip');
  if (notModified(req.headers['if-none-match'], zip.etag)) return reply.code(304).send();
  const range = ifRangeAllows(req.headers['if-range'], zip.etag) ? parseRange(req.headers.range, zip.size) : undefined;
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${zip.size}`);
    throw gmpError('GMP_ERR_REQUEST_RANGE', `range not satisfiable: the zip has ${zip.size} bytes`);
  }
  if (range !== undefined) {
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${zip.size}`);
  }
  const length = range === undefined ? zip.size : range.end - range.start + 1;
  reply.header('content-length', length);
  if (req.method === 'HEAD') return reply.send();
  if (zip.body !== undefined) return reply.send(range === undefined ? zip.body : zip.body.subarray(range.start, range.end + 1));
  if (zip.openFile === undefined) return reply.send(await zip.open(range));
  // Opened before hijacking, so that a missing file still becomes an ordinary error answer.
  const file = await zip.openFile();
  reply.hijack();
  reply.raw.writeHead(reply.statusCode, reply.getHeaders() as OutgoingHttpHeaders);
  sendFile(file, range?.start ?? 0, range?.end ?? zip.size - 1, reply.raw);
  return reply;
}
