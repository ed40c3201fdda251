// Refresh webhooks from the configuration (--hook-secret): POST /hooks/refresh, the refresher over the
// composed cache, fill path and direct mode, and the announcements that make every other process (workers,
// replicas on the same coordinator) forget a refreshed module's lists and fetch its repository again.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ModuleCache } from '../cache/module-cache.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Fill } from '../fill/types.js';
import { Announcements } from '../hooks/announcements.js';
import { Deliveries } from '../hooks/deliveries.js';
import { Refresher } from '../hooks/refresher.js';
import { hookRoutes } from '../server/hook-routes.js';
import type { MethodAllowance } from '../server/method-guard.js';
import type { BlobStore } from '../storage/blob-store.js';
import { parseRewriteRules } from '../vcs/remote-auth.js';
import type { AccessRoute } from '../server/access.js';

/** How often a process looks for refreshes announced by the others. */
const POLL_MS = 500;

export interface HookDeps {
  readonly cache: ModuleCache;
  readonly fill: Fill;
  readonly store: BlobStore;
  readonly coord: Coordinator;
  readonly direct: { expire(modulePath: string): Promise<void> };
  readonly log: Logger;
  readonly redact: (modulePath: string) => string;
}

export interface OpenedHooks {
  readonly routes: (app: FastifyInstance) => void;
  readonly methods: readonly MethodAllowance[];
  /**
   * Access for the hook path: open to the auth hook, since senders (GitHub, GitLab) sign with the hook secret
   * and cannot send a gomodproxy token; the route checks the signature itself (401 without a valid one).
   */
  readonly access: readonly AccessRoute[];
  /** Makes the other processes forget what they remember of these modules (only with --hook-secret: they poll then). */
  announce(modules: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export async function openHooks(config: Readonly<Config>, deps: HookDeps): Promise<OpenedHooks> {
  const forget = async (module: string | 'all') => {
    deps.cache.forget(module);
    if (module !== 'all') await deps.direct.expire(module).catch(() => undefined);
  };
  const announcements = new Announcements(deps.coord, forget);
  // Every process of a deployment has the same settings: without a secret nobody announces anything.
  if (config.hooks.secret !== '') await announcements.start(POLL_MS);
  const refresher = new Refresher({
    cache: deps.cache,
    fill: deps.fill,
    store: deps.store,
    expire: deps.direct.expire.bind(deps.direct),
    announce: (modules) => announcements.announce(modules),
    rewrite: parseRewriteRules(config.direct.rewrite),
    log: deps.log,
    redact: deps.redact,
  });
  return {
    routes: hookRoutes({ secret: config.hooks.secret, refresher, deliveries: new Deliveries() }),
    methods: [{ method: 'POST', pathPrefix: '/hooks/' }],
    access: config.hooks.secret === '' ? [] : [{ prefix: '/hooks/', need: { kind: 'open' } }],
    announce: (modules) => (config.hooks.secret === '' ? Promise.resolve() : announcements.announce(modules)),
    close: () => announcements.close(),
  };
}
