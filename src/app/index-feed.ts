// The index feed from the configuration: the shared log in the data directory's feed store, the recorder
// that turns fill events into entries (one writer among all processes), and the /index route.
import type { LocalFailures } from '../storage/local-failures.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import { IndexLog } from '../feed/index-log.js';
import { FeedRecorder } from '../feed/recorder.js';
import type { FillEvents } from '../fill/types.js';
import { byToken } from '../dashboard/access.js';
import type { AccessRoute } from '../server/access.js';
import { indexRoutes } from '../server/index-routes.js';
import { artifactKey } from '../storage/keys.js';
import type { Layout } from './layout.js';
import { INDEX_HEAD_KEY, INDEX_WRITER_LEASE } from './storage-identity.js';

export interface IndexFeedDeps {
  readonly layout: Layout;
  readonly coord: Coordinator;
  readonly events: FillEvents;
  readonly log: Logger;
  readonly isPrivate: (modulePath: string) => boolean;
  readonly redact: (modulePath: string) => string;
  /**
   * Whether the policy's rules let a version be listed: one they deny (a rule added after it was stored) is
   * refused with 403, so the feed leaves it out as @v/list does (a follower would otherwise retry it for ever).
   */
  readonly listed?: (modulePath: string, version: string) => boolean;
  /** This process's own storage failing (a full disk): told once per run, not per marker. */
  readonly failures?: LocalFailures;
}

export interface OpenedIndexFeed {
  readonly log: IndexLog;
  readonly routes: (app: FastifyInstance) => void;
  /** What /index needs: a token is optional (without --auth all) and decides which private modules it lists. */
  readonly access: readonly AccessRoute[];
  close(): Promise<void>;
}

export async function openIndexFeed(config: Readonly<Config>, deps: IndexFeedDeps): Promise<OpenedIndexFeed> {
  const log = new IndexLog(deps.layout.feed, deps.coord, INDEX_HEAD_KEY);
  const recorder = new FeedRecorder({
    log,
    markers: deps.layout.feed,
    coord: deps.coord,
    events: deps.events,
    stored: async (p, v) => (await deps.layout.cache.stat(artifactKey(p, v, 'zip'))) !== undefined,
    lease: INDEX_WRITER_LEASE,
    settleMs: config.index.settle,
    logger: deps.log,
    redact: deps.redact,
    failures: deps.failures,
  });
  await recorder.start();
  // Public modules for everyone; a private one only for a token with read scope for it (as the dashboard); what
  // the policy denies for nobody.
  const mayRead = byToken(deps.isPrivate);
  const listed = deps.listed ?? (() => true);
  const visible = (req: FastifyRequest) => (p: string, v: string) => listed(p, v) && mayRead(req, p);
  return {
    log,
    routes: indexRoutes({ feed: log, visible, isPrivate: deps.isPrivate }),
    access: [{ prefix: '/index', exact: true, need: { kind: 'filtered' } }],
    close: () => recorder.close(),
  };
}
