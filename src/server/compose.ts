// Assembles a running gomodproxy from a validated Config: storage, upstream chains, cache, HTTP app.
import pino from 'pino';
import type { Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import { ModuleCache } from '../cache/module-cache.js';
import type { Config } from '../config/schema.js';
import { Metrics } from '../metrics.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { FsStorage } from '../storage/fs-storage.js';
import { Chain } from '../upstream/chain.js';
import type { ChainEntry } from '../upstream/chain.js';
import { FileFetcher } from '../upstream/file-fetcher.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import { PrivateRouter } from '../upstream/private-router.js';
import { parseProxyList } from '../upstream/proxy-list.js';
import { ProxySource } from '../upstream/proxy-source.js';
import { DirectSource, directOptions } from '../vcs/direct-source.js';
import { buildApp } from './app.js';
import { openVerification } from './verification.js';

export interface Server {
  readonly app: FastifyInstance;
  readonly storage: FsStorage;
  readonly metrics: Metrics;
  readonly log: Logger;
  close(): Promise<void>;
}

export interface ComposeOptions {
  readonly logger?: Logger;
  /** Off in tests that create many servers, to keep process-wide collectors out. */
  readonly defaultMetrics?: boolean;
}

export async function createServer(config: Readonly<Config>, options: ComposeOptions = {}): Promise<Server> {
  const log = options.logger ?? pino({ level: config.log.level, base: { service: 'gomodproxy' } });
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics });
  const storage = new FsStorage(config.data);
  const { removedTempFiles } = await storage.init();
  if (removedTempFiles > 0) log.info({ removedTempFiles }, 'removed temp files left by an interrupted fill');

  const fetchers: Array<{ close(): Promise<void> }> = [];
  const direct = new DirectSource(
    directOptions(config, (url) => {
      const fetcher = new HttpFetcher(url, httpOptions(config), metrics, log);
      fetchers.push(fetcher);
      return new ProxySource(fetcher, metrics);
    }),
  );
  const chainFor = (list: string): Chain =>
    new Chain(
      parseProxyList(list).map((e): ChainEntry => {
        if (e.kind !== 'url') return e.kind === 'off' ? { kind: 'off' } : { kind: 'direct', source: direct };
        const fetcher = e.url.startsWith('file:') ? new FileFetcher(e.url) : new HttpFetcher(e.url, httpOptions(config), metrics, log);
        if (fetcher instanceof HttpFetcher) fetchers.push(fetcher);
        return { kind: 'source', source: new ProxySource(fetcher, metrics), fallBackOnError: e.fallBackOnError };
      }),
    );
  const isPrivate = (p: string) => config.private !== '' && matchPrefixPatterns(config.private, p);
  const router = new PrivateRouter(isPrivate, chainFor(config.upstream), chainFor(config.privateUpstream));
  const redact = (p: string) => (isPrivate(p) ? '<private>' : p);
  const verification = await openVerification(config, router, { isPrivate, redact, metrics, log, httpOptions: httpOptions(config) });
  const cache = new ModuleCache(
    storage,
    verification.source,
    { listTTLms: config.cache.listTTL, negativeTTLms: config.cache.negativeTTL, memoryBytes: config.cache.memory },
    metrics,
    log,
    redact,
  );
  verification.attach(cache);
  const app = buildApp({ cache, metrics, logger: log, redact, plugins: [verification.routes] });
  return {
    app,
    storage,
    metrics,
    log,
    close: async () => {
      await app.close();
      // Recording what was just served may still need the upstreams, so it finishes before they close.
      await verification.flush();
      await Promise.all(fetchers.map((f) => f.close()));
      await direct.close();
      await verification.close();
    },
  };
}

export function httpOptions(config: Readonly<Config>) {
  const h = config.http;
  return {
    connectTimeoutMs: h.connectTimeout,
    firstByteTimeoutMs: h.firstByteTimeout,
    idleTimeoutMs: h.idleTimeout,
    retries: h.retries,
    retryBackoffMs: h.retryBackoff,
    breakerThreshold: h.breakerThreshold,
    breakerCooldownMs: h.breakerCooldown,
  };
}
