// At start, before anything is served or written: the storage and the coordinator must belong together
// (storage/storage-identity.ts). A mismatch stops the start with what is wrong and the two ways out; a
// coordinator or storage that does not answer leaves the check to the next start (as before, the instance
// starts degraded rather than not at all).
import type { Logger } from 'pino';
import { parseCoordinator } from '../config/backends.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import { gmpError } from '../errors.js';
import { checkStorageIdentity } from '../storage/storage-identity.js';
import type { CommittedLog } from '../storage/storage-identity.js';
import type { Layout } from './layout.js';

/** The coordinator value holding the head of the own checksum database's log. */
export const ownLogHeadKey = (name: string): string => `ownlog/${name}/head`;
export const ownLogLease = (name: string): string => `ownlog:${name}`;
/** The coordinator value holding the index feed's head, and its writer's lease. */
export const INDEX_HEAD_KEY = 'index/head';
export const INDEX_WRITER_LEASE = 'index:writer';

/** The logs whose heads the coordinator keeps and whose pages the storage keeps (enabled or not: their heads stay). */
export function committedLogs(config: Readonly<Config>, layout: Layout): CommittedLog[] {
  return [
    { what: `the own checksum database (${config.ownSumdb.name})`, store: layout.ownLog, headKey: ownLogHeadKey(config.ownSumdb.name) },
    { what: 'the index feed', store: layout.feed, headKey: INDEX_HEAD_KEY },
  ];
}

/** The writers' leases, held while a server of these settings runs (verify/own-sumdb.ts names its own the same way). */
export function logWriterLeases(config: Readonly<Config>): string[] {
  return [ownLogLease(config.ownSumdb.name), INDEX_WRITER_LEASE];
}

export const ADOPT_COMMAND = 'gomodproxy storage adopt';

/** Throws GMP_ERR_CONFIG when the storage is not the coordinator's; records it on a first start. */
export async function checkIdentityAtStart(
  config: Readonly<Config>,
  layout: Layout,
  coord: Coordinator,
  log: Logger,
  /** Why the coordinator did not answer at start, if it did not: it is not asked again (and waited for) here. */
  coordinatorDown?: string,
): Promise<void> {
  const down = coordinatorDown ?? layout.storage.unreachableAtStart;
  if (down !== undefined) {
    log.warn({ err: down }, 'could not check that the storage and the coordinator belong together: checked at the next start');
    return;
  }
  const got = await checkStorageIdentity({
    coord,
    store: layout.identity.store,
    key: layout.identity.key,
    storageName: layout.storage.name,
    logs: committedLogs(config, layout),
  });
  if (got.kind === 'unchecked') {
    log.warn({ err: got.why }, 'could not check that the storage and the coordinator belong together: checked at the next start');
    return;
  }
  if (got.kind === 'mismatch') throw gmpError('GMP_ERR_CONFIG', mismatchMessage(got.why, config));
  if (got.recorded)
    log.info(
      { storage: layout.storage.name, identity: got.id, ...(got.adopted.length === 0 ? {} : { logs: got.adopted }) },
      'recorded the identity of the storage in the coordinator',
    );
}

export function mismatchMessage(why: string, config: Readonly<Config>): string {
  // Replicas that each keep their storage under their own --data cannot share one coordinator: the first one's
  // storage is the coordinator's, and the others' log pages would be on disks the rest cannot read.
  const ownData =
    config.storage === '' && parseCoordinator(config.coordinator).kind !== 'local'
      ? 'Replicas on one coordinator must share one --storage (an s3:// bucket or an fs: directory they all reach); without --storage each keeps its own under --data. '
      : '';
  return (
    `the storage and the coordinator do not belong together: ${why}. The coordinator keeps the heads of the own checksum database's log and the index feed, whose pages are in the storage. ` +
    ownData +
    'Either start with the storage this coordinator was used with (restore it, or correct --storage or --data), ' +
    `or keep this storage and start those logs over on it (the records they hold are lost): stop every server of these settings and run '${ADOPT_COMMAND}' with the same settings`
  );
}
