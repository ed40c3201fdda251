// Bundle import from the configuration, one way for both of its doors: `bundle import --data` (in the
// command's process) and POST /api/v1/admin/bundles on a running proxy (`bundle import --url`).
import type { FastifyInstance } from 'fastify';
import { BundleError } from '../bundle/import-stage.js';
import { importStream } from '../bundle/import.js';
import type { ImportDeps, ImportResult } from '../bundle/import.js';
import type { Config } from '../config/schema.js';
import { formatDuration } from '../config/units.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Exclusive } from '../coord/exclusive.js';
import { adminRefusalRule, adminRule, refuseAdmin } from '../dashboard/access.js';
import { gmpError } from '../errors.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { parseGosumdb } from '../protocol/gosumdb.js';
import type { SumdbSpec } from '../protocol/gosumdb.js';
import type { AccessRoute } from '../server/access.js';
import { BUNDLE_METHODS, BUNDLES_PATH, bundleRoutes } from '../server/bundle-routes.js';
import type { MethodAllowance } from '../server/method-guard.js';
import type { FillEvents } from '../fill/types.js';
import { trustedHeadKey } from '../verify/sumdb-ops.js';
import type { Layout } from './layout.js';
import { sumdbSpecs } from './verification.js';

export interface ImportParts {
  readonly layout: Layout;
  readonly coord: Coordinator;
  /** What fills hold an artifact's key with: the import holds the same names. */
  readonly locks: Exclusive;
  /** Where imported versions are announced as stored, as fills announce theirs. */
  readonly events: FillEvents;
}

/** Modules no public database is asked about: --private and --nosumdb. */
export const skipsPublicSumdb = (config: Readonly<Config>) => (p: string) =>
  (config.private !== '' && matchPrefixPatterns(config.private, p)) || (config.noSumdb !== '' && matchPrefixPatterns(config.noSumdb, p));

/** Other proxies' own databases this one trusts for private modules (--bundle-trust). */
export const trustedOwnDbs = (config: Readonly<Config>): SumdbSpec[] => config.bundle.trust.map((k) => parseGosumdb(k) as SumdbSpec);

export function importDeps(config: Readonly<Config>, parts: ImportParts, onEntry?: (bytes: number) => void): ImportDeps {
  const { layout, coord, locks, events } = parts;
  return {
    scratch: layout.scratch,
    verify: {
      specs: sumdbSpecs(config),
      trust: trustedOwnDbs(config),
      skip: skipsPublicSumdb(config),
      store: (db) => layout.sumdbCache(db),
      trusted: (db) => coord.get(trustedHeadKey(db)),
    },
    commit: {
      cache: layout.cache,
      content: layout.content,
      sumdbStore: (db) => layout.sumdbCache(db),
      coord,
      locks,
      announce: (e) => events.emit('filled', e),
      lockWait: { ms: config.bundle.lockWait, shown: formatDuration(config.bundle.lockWait) },
    },
    onEntry,
  };
}

export interface BundleImportRoute {
  readonly plugin: (app: FastifyInstance) => void;
  readonly methods: readonly MethodAllowance[];
  /** A token sent is verified by the auth hook; the route itself asks the admin rule. */
  readonly access: readonly AccessRoute[];
}

/** forget: makes this process (and, where it can, every other) forget what it remembers of these modules. */
export function composeBundleImport(config: Readonly<Config>, parts: ImportParts, forget: (modules: string[]) => Promise<void>): BundleImportRoute {
  // One import at a time in a process: two would merge the same version lists.
  let queue: Promise<unknown> = Promise.resolve();
  const run = async (body: AsyncIterable<Buffer>) => {
    let bytes = 0;
    let result: ImportResult;
    try {
      result = await importStream(
        body,
        importDeps(config, parts, (n) => (bytes += n)),
      );
    } catch (err) {
      if (err instanceof BundleError) throw gmpError('GMP_ERR_BUNDLE_REFUSED', err.refusal);
      throw err;
    }
    // Lists and "not found" answers remembered in memory would hide what just arrived.
    await forget([...new Set(result.manifest.modules.map((m) => m.path))]).catch(() => undefined);
    return { modules: result.manifest.modules.length, added: result.added, already: result.already, bytes, databases: result.manifest.databases };
  };
  const importBundle = (body: AsyncIterable<Buffer>) => {
    const next = queue.then(() => run(body));
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    plugin: bundleRoutes({
      mayAdmin: adminRule(config.auth.mode),
      refuse: (req, reply) => refuseAdmin(adminRefusalRule(config.auth.mode), req, reply),
      maxBytes: config.bundle.maxSize,
      importBundle,
    }),
    methods: BUNDLE_METHODS,
    access: [{ prefix: BUNDLES_PATH, need: { kind: 'filtered' } }],
  };
}
