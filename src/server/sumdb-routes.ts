// Checksum-database endpoints (§7.3): /sumdb/<name>/supported, /latest, /lookup/…, /tile/… for every
// relayed database and for gomodproxy's own, which is also served at its configured base path.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import { decodePath } from '../protocol/request.js';
import { cacheControlFor } from './goproxy-routes.js';
import { serveSumdbPath } from '../sumdb/server-dispatch.js';
import type { OwnSumdb } from '../verify/own-sumdb.js';
import type { RelayAnswer, SumdbRelay } from '../verify/sumdb-relay.js';
import { isPartialTile } from '../verify/sumdb-ops.js';

export interface SumdbRoutesOptions {
  readonly relays: ReadonlyMap<string, SumdbRelay>;
  readonly own?: { readonly db: OwnSumdb; readonly base: string };
}

/** The decoded path after the database root, with the same per-segment rules as GOPROXY paths. */

async function ownAnswer(db: OwnSumdb, rest: string): Promise<RelayAnswer> {
  if (rest === '/supported') return { body: Buffer.alloc(0), contentType: 'text/plain; charset=UTF-8', maxAge: 3600, immutable: false };
  const { body, contentType } = await serveSumdbPath(db.log, rest);
  const immutable = rest.startsWith('/lookup/') || (rest.startsWith('/tile/') && !isPartialTile(rest));
  return { body, contentType, maxAge: rest === '/latest' ? 0 : immutable ? 86400 : 60, immutable };
}

function send(req: FastifyRequest, reply: FastifyReply, a: RelayAnswer): FastifyReply {
  const cc = a.maxAge === 0 ? 'no-cache' : `public, max-age=${a.maxAge}${a.immutable ? ', immutable' : ''}`;
  reply.header('cache-control', cacheControlFor(req, cc)).type(a.contentType).header('content-length', a.body.length);
  return reply.send(req.method === 'HEAD' ? undefined : a.body);
}

export function sumdbRoutes(options: SumdbRoutesOptions): (app: FastifyInstance) => void {
  const { relays, own } = options;
  return (app) => {
    app.route({
      method: ['GET', 'HEAD'],
      url: '/sumdb/*',
      handler: async (req, reply) => {
        const path = req.url.split('?')[0] as string;
        const rest = decodePath(path.slice('/sumdb'.length));
        if (own !== undefined && rest.startsWith(`/${own.db.name}/`)) {
          return send(req, reply, await ownAnswer(own.db, rest.slice(own.db.name.length + 1)));
        }
        for (const [name, relay] of relays) {
          if (rest.startsWith(`/${name}/`)) return send(req, reply, await relay.get(rest.slice(name.length + 1)));
        }
        throw gmpError('GMP_ERR_NOT_FOUND', 'not found: this gomodproxy does not serve that checksum database');
      },
    });
    if (own !== undefined) {
      app.route({
        method: ['GET', 'HEAD'],
        url: `${own.base}/*`,
        handler: async (req, reply) => {
          const path = req.url.split('?')[0] as string;
          return send(req, reply, await ownAnswer(own.db, decodePath(path.slice(own.base.length))));
        },
      });
    }
  };
}
