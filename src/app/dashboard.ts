// Builds the dashboard from the configuration: its figures (this process alone, or every worker through the
// primary), the download counts fed by the zip route, the configuration facts it shows, the access hooks.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { ModuleCache } from '../cache/module-cache.js';
import { sumdbSpecs } from './verification.js';
import type { Config } from '../config/schema.js';
import { minFreeSet } from '../content/free-space.js';
import type { Exclusive } from '../coord/exclusive.js';
import type { Channel } from '../coord/ipc.js';
import { adminRefusalRule, adminRule, byToken, notPrivate } from '../dashboard/access.js';
import type { ConfiguredUpstream, EvictionFacts } from '../dashboard/deps.js';
import { DownloadCounts } from '../dashboard/downloads.js';
import { DASHBOARD_METHODS, dashboardRoutes } from '../dashboard/routes.js';
import type { SetupFacts } from '../dashboard/setup-info.js';
import { readSnapshot } from '../dashboard/snapshot.js';
import type { ProcessStats, ServerStats } from '../dashboard/stats.js';
import { LocalStats } from '../dashboard/stats.js';
import type { Metrics } from '../metrics.js';
import { parseProxyList, redactProxyList, redactURL } from '../protocol/proxy-list.js';
import type { MethodAllowance } from '../server/method-guard.js';
import { globList } from '../shellenv/settings.js';
import type { OwnSumdb } from '../verify/own-sumdb.js';
import type { Verdicts } from '../verify/verdicts.js';
import { WorkerStats } from './cluster-stats.js';
import { adminFeatures, purgeGuard } from './dashboard-admin.js';
import type { AdminInputs } from './dashboard-admin.js';
import type { Content } from './content.js';
import { feedName } from './follow.js';
import type { Followers } from './follow.js';
import type { Layout } from './layout.js';
import { sharedCursorKey } from './search-cursor-key.js';

export interface DashboardParts {
  readonly plugin: (app: FastifyInstance) => void;
  readonly methods: readonly MethodAllowance[];
  readonly onZipServed: (modulePath: string, version: string) => void;
  close(): void;
}

export interface DashboardInputs {
  readonly layout: Layout;
  readonly metrics: Metrics;
  readonly cache: ModuleCache;
  readonly verdicts: Verdicts;
  readonly own?: OwnSumdb;
  readonly isPrivate: (modulePath: string) => boolean;
  readonly redact: (modulePath: string) => string;
  /** A worker of `serve --workers N`: figures for the whole server come from the primary. */
  readonly worker?: Channel;
  /** Eviction (its last measure of the store), for the Ops view. */
  readonly content: Pick<Content, 'evictor'>;
  /** The feeds this process may follow, for the Ops view. */
  readonly followers: Pick<Followers, 'states'>;
  /** For the Admin view's tokens and pins (the content store comes from the layout), and the search cursors' key. */
  readonly admin: Omit<AdminInputs, 'content'>;
  /** The fill locks a purge holds. */
  readonly locks: Exclusive;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function configuredUpstreams(config: Readonly<Config>): ConfiguredUpstream[] {
  const out: ConfiguredUpstream[] = [];
  const add = (list: string, which: ConfiguredUpstream['list']) => {
    for (const e of parseProxyList(list)) {
      const name = e.kind === 'url' ? redactURL(e.url) : e.kind;
      if (e.kind !== 'off' && !out.some((o) => o.name === name)) out.push({ name, kind: e.kind === 'url' ? 'proxy' : 'direct', list: which });
    }
  };
  add(config.upstream, 'upstream');
  add(config.privateUpstream, 'private-upstream');
  for (const s of sumdbSpecs(config)) out.push({ name: redactURL(s.url), kind: 'sumdb', list: 'sumdb' });
  return out;
}

/** What eviction keeps, as app/content.ts sets it up: --cache-min-free only on a filesystem cache. */
export function evictionFacts(config: Readonly<Config>, layout: Layout): EvictionFacts {
  const e = config.eviction;
  const localFiles = layout.cache.localFiles !== undefined;
  return {
    ...(e.maxSize > 0 ? { cap: { bytes: e.maxSize, highPercent: e.highWatermark, lowPercent: e.lowWatermark } } : {}),
    ...(localFiles && minFreeSet(e.minFree) ? { minFree: e.minFree } : {}),
    localFiles,
  };
}

function setupFacts(config: Readonly<Config>, layout: Layout, own: OwnSumdb | undefined): SetupFacts {
  return {
    version: VERSION,
    upstream: redactProxyList(config.upstream),
    privateUpstream: redactProxyList(config.privateUpstream),
    sumdbs: sumdbSpecs(config).map((s) => ({ name: s.name, url: redactURL(s.url) })),
    ownSumdb: own === undefined ? undefined : { name: own.name, verifierKey: own.log.verifierKey },
    storage: layout.cache.name,
    workers: config.workers,
    listen: config.listen,
    private: globList([config.private]),
    noSumdb: globList([config.noSumdb]),
    cache: { listTTLms: config.cache.listTTL, negativeTTLms: config.cache.negativeTTL, memoryBytes: config.cache.memory },
  };
}

/** undefined with --dashboard off: then nothing of it runs, not even the counters. */
export function composeDashboard(config: Readonly<Config>, inputs: DashboardInputs): DashboardParts | undefined {
  if (!config.dashboard) return undefined;
  const { metrics, cache, own } = inputs;
  const files = inputs.layout.cache.localFiles;
  const downloads = new DownloadCounts();
  const self: ProcessStats = {
    snapshot: () => readSnapshot(metrics),
    live: async () => {
      const store = inputs.content.evictor?.measured;
      return { ...(store === undefined ? {} : { store }), feeds: await inputs.followers.states() };
    },
    downloads: (m) => downloads.of(m),
    forget: (m, v) => {
      downloads.forget(m, v);
      cache.forgetVersion(m, v);
    },
  };
  const stats: ServerStats = inputs.worker === undefined ? new LocalStats(self) : new WorkerStats(inputs.worker, self);
  const plugin = dashboardRoutes({
    store: inputs.layout.cache,
    verdicts: inputs.verdicts,
    own,
    stats,
    setup: setupFacts(config, inputs.layout, own),
    upstreams: configuredUpstreams(config),
    eviction: evictionFacts(config, inputs.layout),
    space: files === undefined ? undefined : () => files.space(),
    feeds: config.follow.urls.map(feedName),
    // With --auth private|all the auth hook has verified any token sent (the API is a 'filtered' route).
    mayRead: config.auth.mode === 'off' ? notPrivate(inputs.isPrivate) : byToken(inputs.isPrivate),
    cursorKey: sharedCursorKey(inputs.admin.coord),
    mayAdmin: adminRule(config.auth.mode),
    adminRefusal: adminRefusalRule(config.auth.mode),
    tokensAccepted: config.auth.mode !== 'off',
    admin: adminFeatures(config, { ...inputs.admin, content: inputs.layout.content }),
    purge: purgeGuard(inputs.locks, inputs.layout.content),
    redact: inputs.redact,
  });
  return { plugin, methods: DASHBOARD_METHODS, onZipServed: (m, v) => downloads.count(m, v), close: () => stats.close() };
}
