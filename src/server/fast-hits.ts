// Hits on `.info` and `.mod` held in memory (the bulk of a warm proxy's traffic) answered straight from
// Node's request event, before Fastify's request cycle: same status, headers, body, metrics and access rule
// as the route. Anything else (a miss, a query, credentials, a refusal, shutdown) falls through to Fastify.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModuleCache, Small } from '../cache/module-cache.js';
import { IMMUTABLE, JSON_TYPE, TEXT_TYPE, notModified, parseCached } from './goproxy-routes.js';
import type { MetricChildren } from './metric-children.js';

export interface FastHitsOptions {
  readonly cache: Pick<ModuleCache, 'hot'>;
  readonly counters: MetricChildren;
  /** True once shutdown began (Fastify answers 503 then). */
  closing(): boolean;
  /** True when every request is logged (debug): Fastify's hook writes those lines. */
  logsHits(): boolean;
  /** May this request, which carries no credentials, be answered without a check? Absent: always. */
  readonly mayServe?: (method: string, url: string) => boolean;
}

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The request id answered in X-Request-Id: the client's when it is a plain token, a fresh UUID otherwise. */
export function requestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** A request listener that answers memory hits itself and hands everything else to `next`. */
export function withFastHits(o: FastHitsOptions, next: RequestListener): RequestListener {
  const answer = (req: IncomingMessage, res: ServerResponse): boolean => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const url = req.url ?? '';
    const kind = url.endsWith('.info') ? 'info' : url.endsWith('.mod') ? 'mod' : undefined;
    if (kind === undefined || url.includes('?') || o.closing() || o.logsHits()) return false;
    const h = req.headers;
    if (h.authorization !== undefined || (h.host === undefined && req.httpVersion === '1.1')) return false;
    if (o.mayServe !== undefined && !o.mayServe(method, url)) return false;
    let hit: Small | undefined;
    try {
      const r = parseCached(url);
      if (r.endpoint !== kind) return false;
      hit = o.cache.hot(kind, r.module, r.version);
    } catch {
      // An invalid path: Fastify's route answers it with its reason.
      return false;
    }
    if (hit === undefined) return false;
    const headers = {
      'x-request-id': requestId(h['x-request-id']),
      etag: hit.etag,
      'cache-control': IMMUTABLE,
    };
    if (notModified(h['if-none-match'], hit.etag)) {
      res.writeHead(304, headers).end();
      o.counters.request(kind, 304).inc();
      return true;
    }
    res.writeHead(200, { ...headers, 'content-type': kind === 'info' ? JSON_TYPE : TEXT_TYPE, 'content-length': hit.body.length });
    if (method === 'HEAD') res.end();
    else {
      res.end(hit.body);
      o.counters.bytes(kind).inc(hit.body.length);
    }
    o.counters.request(kind, 200).inc();
    return true;
  };
  return (req, res) => {
    if (!answer(req, res)) next(req, res);
  };
}
