// GET /api/v1/ops (time series and totals of the whole server), /api/v1/upstreams (each source's state)
// and /api/v1/setup (go env lines, snippets, configuration) for the Ops and Setup views.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gmpError } from '../errors.js';
import { API, sendJson } from './api-modules.js';
import type { ConfiguredUpstream, DashboardDeps, EvictionFacts } from './deps.js';
import type { LivePart } from './live.js';
import { setupAnswer } from './setup-info.js';
import type { Snapshot } from './snapshot.js';
import type { Window } from './timeline.js';
import type { FeedState, Ops, Setup, StorageState } from './api-types.js';

export type UpstreamState = 'healthy' | 'idle' | 'half-open' | 'open';

export interface UpstreamRow {
  readonly name: string;
  readonly kind: ConfiguredUpstream['kind'] | 'other';
  readonly list: ConfiguredUpstream['list'] | 'other';
  /** healthy: circuit closed after answering; idle: no request yet; open: skipped after repeated failures. */
  readonly state: UpstreamState;
  readonly requests: number;
  readonly errors: number;
  /** Mean time to response headers since start (ms). */
  readonly meanLatencyMs: number | null;
}

export function upstreamRows(now: Snapshot, configured: readonly ConfiguredUpstream[]): UpstreamRow[] {
  const row = (name: string, kind: UpstreamRow['kind'], list: UpstreamRow['list']): UpstreamRow => {
    const u = now.upstreams[name];
    const requests = u?.requests ?? 0;
    const state: UpstreamState = u?.circuit === 2 ? 'open' : u?.circuit === 1 ? 'half-open' : requests > 0 ? 'healthy' : 'idle';
    return {
      name,
      kind,
      list,
      state,
      requests,
      errors: u?.errors ?? 0,
      meanLatencyMs: requests === 0 ? null : Math.round(((u?.seconds ?? 0) / requests) * 10000) / 10,
    };
  };
  const known = new Set(configured.map((c) => c.name));
  return [
    ...configured.map((c) => row(c.name, c.kind, c.list)),
    ...Object.keys(now.upstreams)
      .filter((n) => !known.has(n))
      .map((n) => row(n, 'other', 'other')),
  ];
}

/** What eviction keeps, with the latest measure of the store and the file system's space now (one statfs). */
export async function storageState(eviction: EvictionFacts, live: LivePart, space?: () => Promise<{ available: number; size: number }>): Promise<StorageState> {
  // A file system that cannot be measured now leaves the figure out rather than answering an error.
  const disk = space === undefined ? undefined : await space().catch(() => undefined);
  return {
    ...eviction,
    ...(live.store === undefined ? {} : { measured: live.store }),
    ...(disk === undefined ? {} : { disk: { available: disk.available, size: disk.size } }),
  };
}

/** Every --follow feed, in the configured order, with what the processes following it report. */
export function feedStates(feeds: readonly string[], live: LivePart): FeedState[] {
  return feeds.map((feed) => live.feeds.find((f) => f.feed === feed) ?? { feed, following: false, refused: false, entries: {}, errors: 0 });
}

function windowOf(req: FastifyRequest): Window {
  const w = (req.query as Record<string, unknown>).window ?? 'minutes';
  if (w !== 'minutes' && w !== 'hours')
    throw gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: window is minutes (the last 30, per 5 s) or hours (the last 24, per minute)');
  return w;
}

/** The URL the browser reached us at: what the go command on the same network would use too. */
function baseUrl(req: FastifyRequest): string {
  const host = req.headers.host ?? `${req.socket.localAddress}:${req.socket.localPort}`;
  return `${req.protocol}://${host}`;
}

export function registerOpsRoutes(app: FastifyInstance, deps: DashboardDeps): void {
  app.get(`${API}/ops`, async (req, reply) => {
    const { live, ...ops } = await deps.stats.ops(windowOf(req));
    const { now } = ops;
    const lookups = now.hits + now.misses;
    return sendJson(reply, {
      ...ops,
      hitRatio: lookups === 0 ? null : now.hits / lookups,
      upstreams: upstreamRows(now, deps.upstreams),
      storage: await storageState(deps.eviction, live, deps.space),
      follow: feedStates(deps.feeds, live),
    } satisfies Ops);
  });
  app.get(`${API}/upstreams`, async (req, reply) => {
    const { now } = await deps.stats.ops(windowOf(req));
    return sendJson(reply, { upstreams: upstreamRows(now, deps.upstreams) });
  });
  app.get(`${API}/setup`, async (req, reply) => sendJson(reply, setupAnswer(deps.setup, baseUrl(req), (p) => deps.mayRead(req, p)) satisfies Setup));
}
