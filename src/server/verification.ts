// Assembles checksum verification from the config: the configured databases (verified fills and the
// /sumdb/ relay), gomodproxy's own database, and the Source wrapper that puts them in front of the cache.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ModuleCache } from '../cache/module-cache.js';
import { parseGosumdb } from '../config/gosumdb.js';
import type { SumdbSpec } from '../config/gosumdb.js';
import type { Config } from '../config/schema.js';
import type { Metrics } from '../metrics.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import type { HttpFetcherOptions } from '../upstream/http-fetcher.js';
import type { Source } from '../upstream/source.js';
import { ChecksumDb } from '../verify/checksum-db.js';
import { OwnSumdb } from '../verify/own-sumdb.js';
import { Quarantine } from '../verify/quarantine.js';
import { SumdbRelay } from '../verify/sumdb-relay.js';
import { VerifyingSource } from '../verify/verifying-source.js';
import { sumdbRoutes } from './sumdb-routes.js';

export interface VerificationDeps {
  readonly isPrivate: (modulePath: string) => boolean;
  readonly redact: (modulePath: string) => string;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly httpOptions: HttpFetcherOptions;
}

export interface Verification {
  /** The upstream as the cache must see it: verified before anything is stored. */
  readonly source: Source;
  readonly own: OwnSumdb | undefined;
  readonly routes: (app: FastifyInstance) => void;
  attach(cache: ModuleCache): void;
  /** Appends the versions still waiting to be recorded in the own database. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** The configured databases; empty when any entry is `off` (GOSUMDB=off turns verification off). */
export function sumdbSpecs(config: Readonly<Config>): SumdbSpec[] {
  const parsed = config.sumdb.map(parseGosumdb);
  return parsed.includes('off') ? [] : (parsed as SumdbSpec[]);
}

export async function openVerification(config: Readonly<Config>, upstream: Source, deps: VerificationDeps): Promise<Verification> {
  const { metrics, log } = deps;
  const fetchers: HttpFetcher[] = [];
  const dbs: ChecksumDb[] = [];
  for (const spec of sumdbSpecs(config)) {
    const fetcher = new HttpFetcher(spec.url, deps.httpOptions, metrics, log);
    fetchers.push(fetcher);
    dbs.push(await ChecksumDb.open(spec, fetcher, config.data, metrics, log));
  }
  if (dbs.length === 0) log.warn('checksum verification is off (--sumdb off): upstream content is validated but not checked against any checksum database');
  const own = config.ownSumdb.enabled ? await OwnSumdb.open(config, log) : undefined;
  const noSumdb = config.noSumdb;
  const skip = (p: string) => deps.isPrivate(p) || (noSumdb !== '' && matchPrefixPatterns(noSumdb, p));
  const source = new VerifyingSource(
    upstream,
    dbs,
    new Quarantine(config.data),
    { skip, onVerified: own === undefined ? undefined : (p, v) => own.record(p, v, deps.redact) },
    metrics,
    log,
  );
  const relays = new Map(dbs.map((db) => [db.name, new SumdbRelay(db)] as const));
  return {
    source,
    own,
    routes: sumdbRoutes({ relays, own: own === undefined ? undefined : { db: own, base: config.ownSumdb.base } }),
    attach: (cache) =>
      own?.attach({
        zipHash: async (p, v) => (await cache.zip(p, v)).h1,
        goMod: async (p, v) => (await cache.mod(p, v)).body,
      }),
    flush: async () => own?.flush(),
    close: async () => {
      await Promise.all(fetchers.map((f) => f.close()));
      await own?.close();
    },
  };
}
