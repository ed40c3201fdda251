// GET /index?since=<RFC 3339>&limit=<n>: the feed of module versions stored here, compatible with
// index.golang.org — JSON lines {"Path","Version","Timestamp"}, oldest first, `since` inclusive, `limit`
// 2000 by default and at most, `include=all` accepted (every entry is always included). A private module's entry,
// listed only to a token that may read it, also says `"Private":true`: a follower whose own --private does not
// cover it must not send its name to public checksum databases or list it in its own public feed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import type { FeedEntry } from '../feed/index-log.js';
import { formatTimestamp, parseTimestamp } from '../feed/timestamp.js';

export const MAX_LIMIT = 2000;
/** Before every stamp: Go's zero time and anything else a reader may send. */
const BEGINNING = -(1n << 80n);

export interface IndexFeed {
  read(since: bigint, limit: number, visible: (path: string, version: string) => boolean): Promise<FeedEntry[]>;
}

export interface IndexRoutesOptions {
  readonly feed: IndexFeed;
  /** Which module versions this request may see: public ones, and private ones its token may read; none the policy denies. */
  readonly visible: (req: FastifyRequest) => (path: string, version: string) => boolean;
  /** Which module paths are private here (--private): their entries say so. */
  readonly isPrivate?: (path: string) => boolean;
}

export function feedLine(e: FeedEntry, isPrivate: (path: string) => boolean = () => false): string {
  const line = { Path: e.path, Version: e.version, Timestamp: formatTimestamp(e.ts), ...(isPrivate(e.path) ? { Private: true } : {}) };
  return `${JSON.stringify(line)}\n`;
}

function parseQuery(url: string): { since: bigint; limit: number } {
  const q = new URLSearchParams(url.split('?')[1] ?? '');
  const sinceText = q.get('since') ?? '';
  const since = sinceText === '' ? BEGINNING : parseTimestamp(sinceText);
  if (since === undefined) {
    throw gmpError(
      'GMP_ERR_REQUEST_INVALID',
      `bad request: since=${JSON.stringify(sinceText.slice(0, 64))} is not an RFC 3339 time (e.g. 2019-04-10T19:08:52.997264Z)`,
    );
  }
  const limitText = q.get('limit') ?? '';
  const limit = limitText === '' ? MAX_LIMIT : /^\d{1,9}$/.test(limitText) ? Number(limitText) : 0;
  if (limit <= 0) throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: limit=${JSON.stringify(limitText.slice(0, 32))} must be a positive integer`);
  return { since, limit: Math.min(limit, MAX_LIMIT) };
}

export function indexRoutes(options: IndexRoutesOptions): (app: FastifyInstance) => void {
  return (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/index',
      handler: async (req, reply) => {
        const { since, limit } = parseQuery(req.url);
        const entries = await options.feed.read(since, limit, options.visible(req));
        const body = Buffer.from(entries.map((e) => feedLine(e, options.isPrivate)).join(''));
        reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').header('content-length', body.length);
        return reply.send(req.method === 'HEAD' ? undefined : body);
      },
    });
  };
}
