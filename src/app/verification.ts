// Checksum verification from the configuration: the configured databases (a gate of the fill path and the
// /sumdb/ relay) and gomodproxy's own database, which records what the fill path stores.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { parseGosumdb } from '../protocol/gosumdb.js';
import type { SumdbSpec } from '../protocol/gosumdb.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Fill, FillEvents } from '../fill/types.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Metrics } from '../metrics.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { BlobLogStorage } from '../sumdb/blob-log-storage.js';
import { removeAtomicLeftovers } from '../storage/atomic-file.js';
import { FileLogStorage } from '../sumdb/file-log-storage.js';
import type { ServerLog } from '../sumdb/server-log.js';
import { HttpFetcher } from '../upstream/http-fetcher.js';
import type { HttpFetcherOptions } from '../upstream/http-fetcher.js';
import { ChecksumDb } from '../verify/checksum-db.js';
import { ChecksumGate } from '../verify/checksum-gate.js';
import { OwnSumdb } from '../verify/own-sumdb.js';
import { OfflineFetcher, isOffline } from '../verify/offline-fetcher.js';
import { Quarantine } from '../verify/quarantine.js';
import { removeRelayRelics } from '../verify/relay-relics.js';
import { SumdbRelay } from '../verify/sumdb-relay.js';
import type { VerdictRecord, Verdicts } from '../verify/verdicts.js';
import { trustedHeadKey } from '../verify/sumdb-ops.js';
import type { SkippedUpstream } from './health.js';
import type { Layout } from './layout.js';
import { loadOrCreateKey } from './own-key.js';
import { sharedSignerKey } from './shared-key.js';
import { ownLogHeadKey } from './storage-identity.js';

export interface VerificationDeps {
  readonly layout: Layout;
  readonly coord: Coordinator;
  readonly isPrivate: (modulePath: string) => boolean;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly httpOptions: HttpFetcherOptions;
  /** The coordinator is shared with other replicas (PostgreSQL, Redis): so is the own database's key. */
  readonly sharedCoordinator?: boolean;
  /** Keeps which databases verified each filled file (shown by the dashboard). */
  readonly verdicts?: Verdicts;
}

export interface Checksums {
  readonly gate: ChecksumGate;
  readonly relays: ReadonlyMap<string, SumdbRelay>;
  /** The databases skipped after repeated failures (their circuit is open), for /readyz. */
  readonly skipped: readonly SkippedUpstream[];
  /** Settles once the unproven tile copies older versions kept are gone (removed here or by another process). */
  readonly relicsRemoved: Promise<void>;
  close(): Promise<void>;
}

/** The configured databases; empty when any entry is `off` (GOSUMDB=off turns verification off). */
export function sumdbSpecs(config: Readonly<Config>): SumdbSpec[] {
  const parsed = config.sumdb.map(parseGosumdb);
  return parsed.includes('off') ? [] : (parsed as SumdbSpec[]);
}

export async function openChecksums(config: Readonly<Config>, deps: VerificationDeps): Promise<Checksums> {
  const { metrics, log, layout, coord } = deps;
  const fetchers: HttpFetcher[] = [];
  const skipped: SkippedUpstream[] = [];
  const dbs: ChecksumDb[] = [];
  const offline = isOffline(config.upstream);
  for (const spec of sumdbSpecs(config)) {
    const fetcher = offline ? new OfflineFetcher(spec.url) : new HttpFetcher(spec.url, deps.httpOptions, metrics, log);
    if (fetcher instanceof HttpFetcher) {
      fetchers.push(fetcher);
      skipped.push({
        skipped: () => {
          const why = fetcher.skipped();
          return why === undefined ? undefined : `checksum database ${spec.name}: ${why}`;
        },
      });
    }
    const store = layout.sumdbCache(spec.name);
    await carryTrustedHead(store, coord, spec.name).catch((err: unknown) =>
      log.warn({ sumdb: spec.name, err: (err as Error).message }, 'could not look for a tree head trusted by an earlier version; trying at the next start'),
    );
    dbs.push(new ChecksumDb(spec, fetcher, { store, coord, reportFile: layout.paths.securityReport(spec.name), metrics, log }));
  }
  if (dbs.length === 0) log.warn('checksum verification is off (--sumdb off): upstream content is validated but not checked against any checksum database');
  const noSumdb = config.noSumdb;
  const skip = (p: string) => (deps.isPrivate(p) ? 'private' : noSumdb !== '' && matchPrefixPatterns(noSumdb, p) ? 'nosumdb' : undefined);
  const record = deps.verdicts === undefined ? undefined : (v: VerdictRecord) => (deps.verdicts as Verdicts).record(v);
  const stopRelics = new AbortController();
  const relicsRemoved = Promise.all(dbs.map((db) => removeRelics(db, coord, log, stopRelics.signal))).then(() => undefined);
  return {
    gate: new ChecksumGate(dbs, new Quarantine(layout.quarantine), { skip, record }, metrics, log),
    relays: new Map(dbs.map((db) => [db.name, new SumdbRelay(db, { isPrivate: deps.isPrivate })] as const)),
    skipped,
    relicsRemoved,
    close: async () => {
      stopRelics.abort();
      await relicsRemoved;
      await Promise.all(fetchers.map((f) => f.close()));
    },
  };
}

/** Removes what older versions kept unproven under relay/ (never a proven tile); a failure waits for the next start. */
async function removeRelics(db: ChecksumDb, coord: Coordinator, log: Logger, signal: AbortSignal): Promise<void> {
  try {
    const removed = await removeRelayRelics(db.storage, coord, db.name, signal);
    if (removed !== undefined && removed > 0) log.info({ sumdb: db.name, removed }, 'removed the unproven tile copies an earlier version kept under relay/');
  } catch (err) {
    log.warn(
      { sumdb: db.name, err: (err as Error).message },
      'could not remove the unproven tile copies an earlier version kept under relay/; trying at the next start',
    );
  }
}

/** A tree head trusted before the coordinator held it (older data directories) stays trusted. */
async function carryTrustedHead(store: BlobStore, coord: Coordinator, db: string): Promise<void> {
  const legacy = await store.read('latest');
  if (legacy !== undefined && (await coord.get(trustedHeadKey(db))) === undefined) await coord.cas(trustedHeadKey(db), undefined, legacy.toString('utf8'));
}

export async function openOwnSumdb(
  config: Readonly<Config>,
  deps: VerificationDeps,
  fill: Fill,
  events: FillEvents,
  redact: (p: string) => string,
): Promise<OwnSumdb | undefined> {
  if (!config.ownSumdb.enabled) return undefined;
  const key = deps.sharedCoordinator ? await sharedSignerKey(config, deps.coord) : await loadOrCreateKey(config);
  if (key.created) deps.log.info({ keyFile: key.source, verifierKey: key.verifierKey }, 'generated a signer key for the own checksum database');
  if ('replacedLocal' in key && key.replacedLocal === true)
    deps.log.warn({ verifierKey: key.verifierKey }, "this replica's own key file held another key: it now signs with the key the replicas share");
  const storage = new BlobLogStorage(deps.layout.ownLog, deps.coord, ownLogHeadKey(config.ownSumdb.name));
  const migrate = (log: ServerLog) => migrateLegacyLog(deps.layout.paths.legacyOwnLog, log, deps.log);
  const own = new OwnSumdb({
    storage,
    markers: deps.layout.ownLog,
    coord: deps.coord,
    signerKey: key.signerKey,
    fill,
    events,
    logger: deps.log,
    redact,
    migrate,
  });
  await own.start();
  return own;
}

/** Carries a log kept by earlier versions (files under own-sumdb/log) over, record for record: the same tree. */
async function migrateLegacyLog(dir: string, log: ServerLog, logger: Logger): Promise<void> {
  // Earlier versions could leave commit.json.tmp-… behind when a write failed or crashed.
  await removeAtomicLeftovers(dir);
  if ((await stat(path.join(dir, 'commit.json')).catch(() => undefined)) === undefined) return;
  const legacy = await FileLogStorage.open(dir);
  try {
    const entries = await legacy.entries();
    if (entries.length === 0) return;
    await log.add(
      entries.map((e) => {
        const at = e.key.lastIndexOf('@');
        return { path: e.key.slice(0, at), version: e.key.slice(at + 1), text: e.text };
      }),
    );
    const same = (await legacy.readHead())?.equals(await log.signedTree()) ?? false;
    logger.info({ records: entries.length, sameTree: same }, 'carried the own checksum database over from its earlier files');
  } finally {
    await legacy.close();
  }
}
