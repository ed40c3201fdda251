// The composition root: the only code that reads the validated Config and builds concrete classes — the
// stores, the coordinator, the upstream chains, the fill path with its wrappers and gates, checksum
// verification, the cache and the HTTP app.
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Logger } from 'pino';
import { parseTrustProxy } from '../config/trust-proxy.js';
import { ModuleCache } from '../cache/module-cache.js';
import { ReadAhead } from '../cache/read-ahead.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Exclusive } from '../coord/exclusive.js';
import type { Channel } from '../coord/ipc.js';
import { Committer } from '../fill/commit.js';
import { Filler } from '../fill/filler.js';
import { LockedFill } from '../fill/locked.js';
import { SingleflightFill } from '../fill/singleflight.js';
import { FillEvents } from '../fill/types.js';
import type { Fill, Gate } from '../fill/types.js';
import { Metrics } from '../metrics.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { buildApp } from '../server/app.js';
import { sumdbRoutes } from '../server/sumdb-routes.js';
import { Chain } from '../upstream/chain.js';
import type { ChainEntry } from '../upstream/chain.js';
import type { DeadlinePolicy } from '../upstream/deadline.js';
import { FileFetcher } from '../upstream/file-fetcher.js';
import { trustedCAs } from '../upstream/tls-trust.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import { roomCheck, withDisk, withUpstreams } from './health.js';
import { parseProxyList } from '../protocol/proxy-list.js';
import { ProxySource } from '../upstream/proxy-source.js';
import { DirectSource } from '../vcs/direct-source.js';
import { openBackends } from './backends.js';
import { KeptHashGate } from '../verify/kept-hash-gate.js';
import type { OwnSumdb } from '../verify/own-sumdb.js';
import { Quarantine } from '../verify/quarantine.js';
import { ClusterMetrics } from './cluster-metrics.js';
import { WorkerReadAhead } from './cluster-read-ahead.js';
import { WorkerSumdbSubmit } from './cluster-sumdb.js';
import { openContent } from './content.js';
import type { Content } from './content.js';
import { Followers } from './follow.js';
import { openHooks } from './hooks.js';
import { openIndexFeed } from './index-feed.js';
import { openCompany } from './company.js';
import { OwnRecordGate } from '../verify/own-record-gate.js';
import { Verdicts } from '../verify/verdicts.js';
import { composeBundleImport } from './bundle-import.js';
import { composeDashboard } from './dashboard.js';
import type { Layout } from './layout.js';
import { openLayout } from './layout.js';
import { checkIdentityAtStart } from './storage-identity.js';
import { readTls } from './tls.js';
import { assertReadable } from './setting-error.js';
import { openChecksums, openOwnSumdb } from './verification.js';
import { privateLogOptions } from './private-logs.js';
import type { Checksums } from './verification.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import { FailureRunLog, LocalFailures } from '../storage/local-failures.js';
import { WorkerFailureLog } from './cluster-failures.js';

/** The dashboard's API names modules: a token sent with it is verified, and what it may read is shown. */
const DASHBOARD_ACCESS = [{ prefix: '/api/', need: { kind: 'filtered' } }] as const;

export interface Server {
  readonly app: FastifyInstance;
  readonly layout: Layout;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly coord: Coordinator;
  /** What fills hold an artifact's key with across processes (bundle imports hold the same). */
  readonly locks: Exclusive;
  /** The fill path with its wrappers and gates, as requests use it (warm and bundle commands use it too). */
  readonly fill: Fill;
  readonly content: Content;
  readonly checksums: Checksums;
  readonly own?: OwnSumdb;
  /** 'filled' for each artifact stored (the own checksum database, the index feed and eviction follow them). */
  readonly events: FillEvents;
  /** The parents' index feeds this instance follows (--follow). */
  readonly followers: Followers;
  close(): Promise<void>;
}

export interface ComposeOptions {
  readonly logger?: Logger;
  /** Off in tests that create many servers, to keep process-wide collectors out. */
  readonly defaultMetrics?: boolean;
  /** A worker process of `serve --workers N`: the coordinator and the metrics sum come from the primary. */
  readonly worker?: {
    readonly channel: Channel;
    readonly id: string;
    /** The folder of fill locks the primary shares with its workers. */
    readonly fillLocks?: string;
    /** Whose leases this worker's are in PostgreSQL or Redis, which the primary drops when it exits. */
    readonly coordOwner?: string;
  };
  /** Follow the --follow feeds in the background (default); `sync` runs them itself. */
  readonly follow?: boolean;
}

export async function createServer(config: Readonly<Config>, options: ComposeOptions = {}): Promise<Server> {
  const worker = options.worker;
  const log =
    options.logger ??
    pino({ level: config.log.level, base: { service: 'gomodproxy', ...(worker === undefined ? {} : { worker: worker.id }) }, ...privateLogOptions(config) });
  const metrics = new Metrics({ defaultMetrics: options.defaultMetrics });
  const layout = await openLayout(config);
  if (layout.removedTempFiles > 0) log.info({ removedTempFiles: layout.removedTempFiles }, 'removed temp files left by an interrupted fill');
  const backends = await openBackends(config, layout, { channel: worker?.channel, fillLocks: worker?.fillLocks, owner: worker?.coordOwner, log, metrics });
  const coord: Coordinator = backends.coord;
  // A worker's primary checked it before it forked the workers (app/primary.ts).
  if (worker === undefined) {
    const down = backends.coord.availability.up ? undefined : backends.coord.availability.reason;
    await checkIdentityAtStart(config, layout, coord, log, down).catch(async (err: unknown) => {
      await backends.coord.close();
      backends.storage?.stop();
      await layout.close();
      throw err;
    });
  }
  const clusterMetrics = worker === undefined ? undefined : new ClusterMetrics(worker.channel, metrics);
  const closers: Array<() => Promise<void>> = [];

  // Read by the constructor: a path that is not a readable file is the setting's mistake, said as such.
  if (config.direct.netrc !== '') assertReadable('direct-netrc', config.direct.netrc);
  const direct = new DirectSource({
    vcsDir: layout.paths.vcs,
    scratchFile: (label) => layout.scratch.file(label).path,
    refreshIntervalMs: config.direct.refreshInterval,
    gitTimeoutMs: config.direct.gitTimeout,
    rewrite: config.direct.rewrite,
    auth: config.direct.auth,
    netrc: config.direct.netrc,
    allowPrivateNetworks: config.direct.allowPrivateNetworks,
    partialClone: config.direct.partialClone,
    proxyFor: (url) => proxySource(url),
    firstServed: (modulePath, version) => originHashOf(layout.cache, modulePath, version),
  });
  const upstreams: HttpFetcher[] = [];
  // The CAs the go command would trust here (SSL_CERT_FILE, SSL_CERT_DIR), read once, as Go reads them once.
  const http = httpOptions(config, trustedCAs(process.env));
  function proxySource(url: string): ProxySource {
    const fetcher = url.startsWith('file:') ? new FileFetcher(url) : new HttpFetcher(url, http, metrics, log);
    if (fetcher instanceof HttpFetcher) {
      upstreams.push(fetcher);
      closers.push(() => fetcher.close());
    }
    return new ProxySource(fetcher, metrics);
  }
  const onPreferred = (group: string, first: string, why: string) => log.info({ group, first, why }, 'upstream group: asking another member first');
  const chainFor = (list: string): Chain =>
    new Chain(
      parseProxyList(list).map((e): ChainEntry => {
        if (e.kind !== 'url') return e.kind === 'off' ? { kind: 'off' } : { kind: 'direct', source: direct };
        return { kind: 'source', source: proxySource(e.url), fallBackOnError: e.fallBackOnError };
      }),
      { onPreferred },
    );
  const isPrivate = (p: string) => config.private !== '' && matchPrefixPatterns(config.private, p);
  const redact = (p: string) => (isPrivate(p) ? '<private>' : p);
  const publicChain = chainFor(config.upstream);
  const privateChain = chainFor(config.privateUpstream);

  // Runs of this process's own storage failures (a full disk): ended by the next artifact stored ('filled').
  // A worker's are logged by the primary, once for the whole server.
  // The full disk of /readyz also ends when a look for room finds some (a node serving only hits stores nothing).
  const failures = new LocalFailures(
    log,
    metrics,
    worker === undefined ? new FailureRunLog(log, Date.now, roomCheck(config)) : new WorkerFailureLog(worker.channel),
  );
  const verdicts = new Verdicts(layout.cache, log, redact, failures);
  const verifyDeps = { layout, coord, isPrivate, metrics, log, httpOptions: http, sharedCoordinator: backends.external, verdicts };
  const checksums = await openChecksums(config, verifyDeps);
  const company = openCompany(config, { layout, coord, locks: backends.locks, log, isPrivate, redact, metrics });
  // A zip filled again (after eviction) must be the one first stored; then the checksum databases; then policy.
  const gates: Gate[] = [new KeptHashGate(layout.cache, new Quarantine(layout.quarantine), log, redact), checksums.gate, ...company.gates];
  const events = new FillEvents();
  events.on('filled', () => failures.succeeded());
  const commit = new Committer({ store: layout.cache, gates, events, log, redact, failures });
  const filler = new Filler({
    commit,
    route: (m) => (isPrivate(m) ? privateChain : publicChain),
    store: layout.cache,
    scratch: layout.scratch,
    gates,
    events,
    log,
    metrics,
    redact,
    deadline: fillDeadline(config),
    failures,
  });
  const fill = new SingleflightFill(new LockedFill(filler, backends.locks, log, metrics, { cut: () => filler.cutSignal, redact }), metrics);
  const own = await openOwnSumdb(config, verifyDeps, fill, events, redact);
  const content = await openContent(config, { layout, coord, locks: backends.locks, events, metrics, log, isPrivate, redact, failures });
  // A version the own database recorded must refill (after a purge) with the hashes it recorded.
  if (own !== undefined) gates.push(new OwnRecordGate(own, log, redact));
  // A lookup of a version not yet in the own database goes to the worker that writes it, through the primary.
  const ownSiblings = worker === undefined || own === undefined ? undefined : new WorkerSumdbSubmit(worker.channel, (versions) => own.appendAsWriter(versions));
  if (own !== undefined) own.siblings = ownSiblings;

  const readAhead = new ReadAhead(config.cache.readAhead, { count: (result) => metrics.readAhead.inc({ result }) });
  // The other workers fill ahead their share of what a go command read (their clients' go.mod files) too.
  const siblings = worker === undefined || !readAhead.enabled ? undefined : new WorkerReadAhead(worker.channel, (kind) => cache.downloadsAhead(kind));
  const cache: ModuleCache = new ModuleCache(
    layout.cache,
    fill,
    {
      listTTLms: config.cache.listTTL,
      negativeTTLms: config.cache.negativeTTL,
      memoryBytes: config.cache.memory,
      zipServed: content.zipServed,
      zipReaders: content.zipReaders,
      overlay: company.overlay,
      readAhead,
      mayReadAhead: (modulePath) => !isPrivate(modulePath),
      downloading: siblings === undefined ? undefined : (kind) => siblings.tell(kind),
      failures,
    },
    metrics,
    log,
    redact,
  );
  const routes = sumdbRoutes({ relays: checksums.relays, own: own === undefined ? undefined : { db: own, base: config.ownSumdb.base } });
  const feed = await openIndexFeed(config, { layout, coord, events, log, isPrivate, redact, failures, listed: company.listed });
  const followers = new Followers(config, { coord, fill, metrics, log, redact, isPrivate, httpOptions: http, pageDeadline: fillDeadline(config) });
  if (options.follow !== false) followers.start();
  const metricsText = clusterMetrics === undefined ? undefined : () => clusterMetrics.text();
  const hooks = await openHooks(config, { cache, fill, store: layout.cache, coord, direct, log, redact });
  const dashboard = composeDashboard(config, {
    ...{ layout, metrics, cache, verdicts, own, isPrivate, redact, worker: worker?.channel, content, followers },
    admin: { coord, audit: company.audit },
    locks: backends.locks,
  });
  const bundles = composeBundleImport(config, { layout, coord, locks: backends.locks, events }, async (modules) => {
    for (const m of modules) cache.forget(m);
    await hooks.announce(modules);
  });
  const accessRoutes = [...(dashboard === undefined ? [] : DASHBOARD_ACCESS), ...bundles.access, ...feed.access, ...hooks.access];
  const app = buildApp({
    cache,
    metrics,
    logger: log,
    redact,
    plugins: [
      routes,
      feed.routes,
      hooks.routes,
      ...company.plugins(commit, accessRoutes),
      ...(dashboard === undefined ? [] : [dashboard.plugin]),
      bundles.plugin,
    ],
    methods: [...hooks.methods, ...company.methods, ...(dashboard?.methods ?? []), ...bundles.methods],
    metricsText,
    readiness: withDisk(withUpstreams(backends.readiness, [...upstreams, ...checksums.skipped]), () => failures.diskFull()),
    https: await readTls(config),
    trustProxy: parseTrustProxy(config.auth.trustProxy),
    onZipServed: dashboard?.onZipServed,
    fastHits: company.fastHits(accessRoutes),
    localFailures: failures,
  });
  return {
    app,
    layout,
    metrics,
    log,
    coord,
    locks: backends.locks,
    fill,
    content,
    checksums,
    own,
    events,
    followers,
    close: async () => {
      await app.close();
      siblings?.close();
      // A lookup during the shutdown leaves a marker instead of asking siblings that no longer listen.
      if (own !== undefined) own.siblings = undefined;
      ownSiblings?.close();
      // Versions being stored for a feed finish (and its cursor is saved) while the stores are still open: cut,
      // they would be fetched again by the next run.
      await followers.close();
      // No client waits for an answer any more. What still fills for nobody (read ahead, a list refreshed behind
      // a hit) schedules nothing new and is cut, each logged once as such: the upstream clients close below, and
      // a fill running then would fail as if the upstream were unreachable. This also waits for the zips answered
      // before their commit (fsync, rename or upload) ended.
      const readAheadStopped = readAhead.close();
      await filler.cutRunning();
      await readAheadStopped;
      await content.close();
      dashboard?.close();
      await verdicts.flush();
      // Recording what was just served may still need the upstreams, so it finishes before they close.
      await own?.flush();
      await feed.close();
      await hooks.close();
      await Promise.all(closers.map((c) => c()));
      await direct.close();
      await checksums.close();
      await own?.close();
      await company.close();
      await coord.close();
      backends.storage?.stop();
      await layout.close();
    },
  };
}

/** How this process talks to upstreams, checksum databases and followed feeds. */
export function httpOptions(config: Readonly<Config>, ca: readonly string[] | undefined) {
  const h = config.http;
  return {
    ...(ca === undefined ? {} : { ca }),
    connectTimeoutMs: h.connectTimeout,
    firstByteTimeoutMs: h.firstByteTimeout,
    idleTimeoutMs: h.idleTimeout,
    retries: h.retries,
    retryBackoffMs: h.retryBackoff,
    breakerThreshold: h.breakerThreshold,
    breakerCooldownMs: h.breakerCooldown,
    probeIntervalMs: h.probeInterval,
  };
}

export function fillDeadline(config: Readonly<Config>): DeadlinePolicy | undefined {
  const h = config.http;
  return h.fillDeadline === 0 ? undefined : { baseMs: h.fillDeadline, minBytesPerSec: Math.max(1, h.fillMinRate) };
}

/** The commit a stored exact-version .info names (`Origin.Hash`, as direct mode writes it), or undefined. */
async function originHashOf(cache: BlobStore, modulePath: string, version: string): Promise<string | undefined> {
  const raw = await cache.read(artifactKey(modulePath, version, 'info')).catch(() => undefined);
  if (raw === undefined) return undefined;
  try {
    const hash = (JSON.parse(raw.toString('utf8')) as { Origin?: { Hash?: unknown } } | null)?.Origin?.Hash;
    return typeof hash === 'string' ? hash : undefined;
  } catch {
    return undefined;
  }
}
