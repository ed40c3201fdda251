// The composition root: the only code that reads the validated Config and builds concrete classes — the
// stores, the coordinator, the upstream chains, the fill path with its wrappers and gates, checksum
// verification, the cache and the HTTP app.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Logger } from 'pino';
import { ModuleCache } from '../cache/module-cache.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Channel } from '../coord/ipc.js';
import { IpcCoordinator } from '../coord/ipc.js';
import { LocalCoordinator } from '../coord/local.js';
import { Filler } from '../fill/filler.js';
import { LockedFill } from '../fill/locked.js';
import { SingleflightFill } from '../fill/singleflight.js';
import { FillEvents } from '../fill/types.js';
import type { Gate } from '../fill/types.js';
import { Metrics } from '../metrics.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { buildApp } from '../server/app.js';
import { sumdbRoutes } from '../server/sumdb-routes.js';
import { Chain } from '../upstream/chain.js';
import type { ChainEntry } from '../upstream/chain.js';
import { FileFetcher } from '../upstream/file-fetcher.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import { parseProxyList } from '../protocol/proxy-list.js';
import { ProxySource } from '../upstream/proxy-source.js';
import { DirectSource } from '../vcs/direct-source.js';
import { ClusterMetrics } from './cluster-metrics.js';
import type { Layout } from './layout.js';
import { openLayout } from './layout.js';
import { openChecksums, openOwnSumdb } from './verification.js';

export interface Server {
  readonly app: FastifyInstance;
  readonly layout: Layout;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly coord: Coordinator;
  close(): Promise<void>;
}

export interface ComposeOptions {
  readonly logger?: Logger;
  /** Off in tests that create many servers, to keep process-wide collectors out. */
  readonly defaultMetrics?: boolean;
  /** A worker process of `serve --workers N`: the coordinator and the metrics sum come from the primary. */
  readonly worker?: { readonly channel: Channel; readonly id: string };
}

export async function createServer(config: Readonly<Config>, options: ComposeOptions = {}): Promise<Server> {
  const worker = options.worker;
  const log = options.logger ?? pino({ level: config.log.level, base: { service: 'gomodproxy', ...(worker === undefined ? {} : { worker: worker.id }) } });
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics });
  const layout = await openLayout(config);
  if (layout.removedTempFiles > 0) log.info({ removedTempFiles: layout.removedTempFiles }, 'removed temp files left by an interrupted fill');
  const coord: Coordinator = worker === undefined ? new LocalCoordinator(layout.paths.coord) : new IpcCoordinator(worker.channel);
  const clusterMetrics = worker === undefined ? undefined : new ClusterMetrics(worker.channel, metrics);
  const closers: Array<() => Promise<void>> = [];

  const direct = new DirectSource({
    vcsDir: layout.paths.vcs,
    tmpDir: layout.scratch.dir,
    refreshIntervalMs: config.direct.refreshInterval,
    gitTimeoutMs: config.direct.gitTimeout,
    rewrite: config.direct.rewrite,
    auth: config.direct.auth,
    netrc: config.direct.netrc,
    allowPrivateNetworks: config.direct.allowPrivateNetworks,
    partialClone: config.direct.partialClone,
    proxyFor: (url) => proxySource(url),
  });
  function proxySource(url: string): ProxySource {
    const fetcher = url.startsWith('file:') ? new FileFetcher(url) : new HttpFetcher(url, httpOptions(config), metrics, log);
    if (fetcher instanceof HttpFetcher) closers.push(() => fetcher.close());
    return new ProxySource(fetcher, metrics);
  }
  const chainFor = (list: string): Chain =>
    new Chain(
      parseProxyList(list).map((e): ChainEntry => {
        if (e.kind !== 'url') return e.kind === 'off' ? { kind: 'off' } : { kind: 'direct', source: direct };
        return { kind: 'source', source: proxySource(e.url), fallBackOnError: e.fallBackOnError };
      }),
    );
  const isPrivate = (p: string) => config.private !== '' && matchPrefixPatterns(config.private, p);
  const redact = (p: string) => (isPrivate(p) ? '<private>' : p);
  const publicChain = chainFor(config.upstream);
  const privateChain = chainFor(config.privateUpstream);

  const verifyDeps = { layout, coord, isPrivate, metrics, log, httpOptions: httpOptions(config) };
  const checksums = await openChecksums(config, verifyDeps);
  const gates: Gate[] = [checksums.gate];
  const events = new FillEvents();
  const filler = new Filler({
    route: (m) => (isPrivate(m) ? privateChain : publicChain),
    store: layout.cache,
    scratch: layout.scratch,
    gates,
    events,
    log,
    metrics,
    redact,
  });
  const fill = new SingleflightFill(new LockedFill(filler, coord, log, metrics), metrics);
  const own = await openOwnSumdb(config, verifyDeps, fill, events, redact);

  const cache = new ModuleCache(
    layout.cache,
    fill,
    { listTTLms: config.cache.listTTL, negativeTTLms: config.cache.negativeTTL, memoryBytes: config.cache.memory },
    metrics,
    log,
    redact,
  );
  const routes = sumdbRoutes({ relays: checksums.relays, own: own === undefined ? undefined : { db: own, base: config.ownSumdb.base } });
  const metricsText = clusterMetrics === undefined ? undefined : () => clusterMetrics.text();
  const app = buildApp({ cache, metrics, logger: log, redact, plugins: [routes], metricsText });
  return {
    app,
    layout,
    metrics,
    log,
    coord,
    close: async () => {
      await app.close();
      // Recording what was just served may still need the upstreams, so it finishes before they close.
      await own?.flush();
      await Promise.all(closers.map((c) => c()));
      await direct.close();
      await checksums.close();
      await own?.close();
      await coord.close();
      await layout.close();
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
