// Hits on `.info` and `.mod` held in memory (the bulk of a warm proxy's traffic) answered without Fastify's
// request cycle: same status, headers, body, metrics and access rule as the route. `hitFor` decides and is
// shared by two callers: Node's request event (this file) and the connection-level path (wire-hits.ts).
// Anything else (a miss, a query, credentials, Disable-Module-Fetch, a refusal, shutdown) falls through to Fastify.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ModuleCache } from '../cache/module-cache.js';
import { IMMUTABLE, JSON_TYPE, TEXT_TYPE, notModified, parseCached } from './goproxy-routes.js';
import type { MetricChildren } from './metric-children.js';
import { tooManyHosts } from './client-errors.js';

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

/** What `hitFor` needs of a request; callers hand on anything carrying credentials before asking. */
export interface HitRequest {
  readonly method: string;
  readonly url: string;
  readonly ifNoneMatch: string | undefined;
  readonly requestId: string | string[] | undefined;
}

/** A hit to answer: the status, the route's headers, and the body of a 200 (none for HEAD). */
export interface Hit {
  readonly kind: 'info' | 'mod';
  readonly status: 200 | 304;
  readonly id: string;
  readonly etag: string;
  readonly type: string;
  readonly length: number;
  readonly body: Buffer | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The request id answered in X-Request-Id: the client's when it is a plain token, a fresh UUID otherwise. */
export function requestId(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** The answer to a GET or HEAD of a `.info`/`.mod` held in memory, or undefined when Fastify must answer. */
export function hitFor(o: FastHitsOptions, r: HitRequest): Hit | undefined {
  const { method, url } = r;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const kind = url.endsWith('.info') ? 'info' : url.endsWith('.mod') ? 'mod' : undefined;
  if (kind === undefined || url.includes('?') || o.closing() || o.logsHits()) return undefined;
  if (o.mayServe !== undefined && !o.mayServe(method, url)) return undefined;
  let hit: ReturnType<FastHitsOptions['cache']['hot']>;
  try {
    const p = parseCached(url);
    if (p.endpoint !== kind) return undefined;
    hit = o.cache.hot(kind, p.module, p.version, { cachedOnly: p.cachedOnly });
  } catch {
    // An invalid path: Fastify's route answers it with its reason.
    return undefined;
  }
  if (hit === undefined) return undefined;
  const status = notModified(r.ifNoneMatch, hit.etag) ? 304 : 200;
  const body = status === 200 && method === 'GET' ? hit.body : undefined;
  return { kind, status, id: requestId(r.requestId), etag: hit.etag, type: kind === 'info' ? JSON_TYPE : TEXT_TYPE, length: hit.body.length, body };
}

/** The route's metrics for an answered hit. */
export function countHit(o: FastHitsOptions, h: Hit): void {
  if (h.body !== undefined) o.counters.bytes(h.kind).inc(h.body.length);
  o.counters.request(h.kind, h.status).inc();
}

/** A request listener that answers memory hits itself and hands everything else to `next`. */
export function withFastHits(o: FastHitsOptions, next: RequestListener): RequestListener {
  const answer = (req: IncomingMessage, res: ServerResponse): boolean => {
    const h = req.headers;
    if (h.authorization !== undefined || h['disable-module-fetch'] !== undefined || (h.host === undefined && req.httpVersion === '1.1')) return false;
    // Fastify's hook refuses it (400), as it refuses a missing Host.
    if (tooManyHosts(req)) return false;
    const inm = h['if-none-match'];
    const hit = hitFor(o, { method: req.method ?? '', url: req.url ?? '', ifNoneMatch: inm, requestId: h['x-request-id'] });
    if (hit === undefined) return false;
    const headers = { 'x-request-id': hit.id, etag: hit.etag, 'cache-control': IMMUTABLE };
    if (hit.status === 304) res.writeHead(304, headers).end();
    else res.writeHead(200, { ...headers, 'content-type': hit.type, 'content-length': hit.length }).end(hit.body);
    countHit(o, hit);
    return true;
  };
  return (req, res) => {
    if (!answer(req, res)) next(req, res);
  };
}
