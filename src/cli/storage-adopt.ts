// `gomodproxy storage adopt`: the way out when `serve` refuses a storage that is not its coordinator's (a
// wiped or new bucket or --data kept with the old coordinator): the coordinator forgets the heads of the logs
// whose pages the old storage held, and records this storage as its own. The own checksum database and the
// index feed start over on it. Everything else the coordinator holds (tokens, trusted tree heads) stays.
import { claimData } from '../app/data-dir.js';
import { openAdminCoordinator } from '../app/admin-coordinator.js';
import { openLayout } from '../app/layout.js';
import { committedLogs, logWriterLeases } from '../app/storage-identity.js';
import { checkStorageIdentity, forgetStorage } from '../storage/storage-identity.js';
import type { IdentityPlace } from '../storage/storage-identity.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { Command } from './io.js';

export const STORAGE_ADOPT_HELP = `Usage: gomodproxy storage adopt [flags]

When serve refuses to start because the storage and the coordinator do not belong together (the storage was
wiped or replaced while the coordinator was kept), and the old storage cannot be restored: makes the
coordinator forget the logs it kept for its old storage (the own checksum database's and the index feed's
heads) and record this storage as its own. Both logs start over, empty, on this storage; what they recorded
is lost. Tokens, trusted tree heads and every other value stay. Does nothing when the storage and the
coordinator already belong together.

Stop every server of these settings first, and give the settings they run with (--storage, --coordinator,
--data, --config, GOMODPROXY_*). Clients that verified against the own checksum database remember its old
tree: remove $(go env GOPATH)/pkg/sumdb/NAME on them, or they report its new log as a security error.

Flags (the same settings as serve):
${configFlagsHelp()}
`;

export const storageAdopt: Command = withConfig('storage adopt', STORAGE_ADOPT_HELP, async (config, io) => {
  const claim = await claimData(config, undefined, 'stop it first');
  const coord = await openAdminCoordinator(config);
  const layout = await openLayout(config, { writerThread: false });
  const fail = (why: string) => {
    io.stderr.write(`gomodproxy storage adopt: ${why}\n`);
    return 1;
  };
  try {
    const logs = committedLogs(config, layout);
    const place: IdentityPlace = { coord, store: layout.identity.store, key: layout.identity.key, storageName: layout.storage.name, logs };
    const before = await checkStorageIdentity(place);
    if (before.kind === 'unchecked') return fail(`cannot tell whether the storage is the coordinator's: ${before.why}`);
    if (before.kind === 'same') {
      io.stdout.write(`the storage ${layout.storage.name} and the coordinator belong together (storage ${before.id}): nothing to do\n`);
      return 0;
    }
    for (const lease of logWriterLeases(config)) {
      const holder = await coord.holder(lease);
      if (holder !== undefined) return fail(`a server of these settings is running (it holds ${lease}): stop every one first`);
    }
    io.stdout.write(`${before.why}\n`);
    const dropped = await forgetStorage(coord, logs);
    const after = await checkStorageIdentity(place);
    if (after.kind !== 'same') return fail(`the storage could not be recorded: ${after.why}`);
    io.stdout.write(
      `the coordinator now belongs to storage ${after.id} (${layout.storage.name})${dropped.length === 0 ? '' : `; it forgot the logs of ${dropped.join(' and ')}, which start over on this storage`}\n`,
    );
    return 0;
  } finally {
    await layout.close();
    await coord.close();
    await claim.release();
  }
});
