// The index feed from the configuration: the shared log in the data directory's feed store, the recorder
// that turns fill events into entries (one writer among all processes), and the /index route.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import { IndexLog } from '../feed/index-log.js';
import { FeedRecorder } from '../feed/recorder.js';
import type { FillEvents } from '../fill/types.js';
import { indexRoutes } from '../server/index-routes.js';
import type { Layout } from './layout.js';

export interface IndexFeedDeps {
  readonly layout: Layout;
  readonly coord: Coordinator;
  readonly events: FillEvents;
  readonly log: Logger;
  readonly isPrivate: (modulePath: string) => boolean;
  readonly redact: (modulePath: string) => string;
}

export interface OpenedIndexFeed {
  readonly log: IndexLog;
  readonly routes: (app: FastifyInstance) => void;
  close(): Promise<void>;
}

export async function openIndexFeed(config: Readonly<Config>, deps: IndexFeedDeps): Promise<OpenedIndexFeed> {
  const log = new IndexLog(deps.layout.feed, deps.coord, 'index/head');
  const recorder = new FeedRecorder({
    log,
    markers: deps.layout.feed,
    coord: deps.coord,
    events: deps.events,
    lease: 'index:writer',
    settleMs: config.index.settle,
    logger: deps.log,
    redact: deps.redact,
  });
  await recorder.start();
  // Until access control exists, no reader sees private modules; a token check will decide per request here.
  const visible = () => (p: string) => !deps.isPrivate(p);
  return { log, routes: indexRoutes({ feed: log, visible }), close: () => recorder.close() };
}
