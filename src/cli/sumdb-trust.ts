// `gomodproxy sumdb trust NAME`: lifts the distrust a security error put on a checksum database (a forked or
// rolled-back log, reported in <data>/sumdb/NAME/SECURITY-ERROR and the log), for every process and replica
// of the same settings: the distrust is a coordinator value, which servers read again within seconds.
// --forget-head also drops the newest tree head trusted so far, so that the next one is trusted on first use.
import { existsSync, renameSync } from 'node:fs';
import { openAdminCoordinator } from '../app/admin-coordinator.js';
import { openLayout } from '../app/layout.js';
import { sumdbSpecs } from '../app/verification.js';
import type { Config } from '../config/schema.js';
import { listAll } from '../storage/blob-store.js';
import { dataPaths } from '../storage/data-dirs.js';
import { distrustKey, trustedHeadKey } from '../verify/sumdb-ops.js';
import { reportUsage, UsageError } from './args.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { Command } from './io.js';

export const SUMDB_TRUST_HELP = `Usage: gomodproxy sumdb trust NAME [--forget-head] [flags]

After a security error (the checksum database NAME served a log that contradicts the tree head trusted
before: a fork or a rollback), every gomodproxy of these settings refuses to verify against NAME until an
operator has investigated the report (the SECURITY-ERROR file under <data>/sumdb/NAME/ and the fatal log
line: both signed heads and the proof) and runs this command. Give it the settings the servers run with
(--data, --config, --coordinator, GOMODPROXY_*). Running servers trust NAME again within seconds; its next
tree head must still be consistent with the one trusted before, or the error comes back.

  --forget-head   also forget the tree head trusted so far, so the next one the database serves is trusted
                  as it is (when its log was replaced on purpose), and drop the lookups and tiles kept from
                  the old log. Stop every server of these settings first: a running one keeps the old head
                  in memory and would report the new log again.

Flags (the same settings as serve):
${configFlagsHelp()}
`;

export const sumdbTrust: Command = withConfig(
  'sumdb trust',
  SUMDB_TRUST_HELP,
  async (config, io, values, positionals) => {
    if (positionals.length !== 1) {
      const why = positionals.length === 0 ? 'the name of the checksum database is needed' : `unexpected argument ${JSON.stringify(positionals[1])}`;
      return reportUsage(io, 'sumdb trust', new UsageError(why));
    }
    const name = positionals[0] as string;
    const known = sumdbSpecs(config).map((s) => s.name);
    if (config.ownSumdb.enabled) known.push(config.ownSumdb.name);
    const coord = await openAdminCoordinator(config);
    try {
      const report = await coord.get(distrustKey(name));
      if (report === undefined) {
        io.stdout.write(
          `checksum database ${name} has no security error recorded${known.includes(name) ? '' : ` (and these settings do not name it: ${known.join(', ') || 'none'})`}\n`,
        );
      } else {
        await coord.casDelete(distrustKey(name), report);
        io.stdout.write(
          `lifted the security error recorded for ${name} at ${report.split('\n')[0]}: servers of these settings trust it again within seconds\n`,
        );
      }
      // The report stays for the record, under a name that says it was lifted.
      const file = dataPaths(config.data).securityReport(name);
      if (report !== undefined && existsSync(file)) renameSync(file, `${file}.lifted-${new Date().toISOString().replaceAll(':', '')}`);
      if (values['forget-head'] === true) {
        const head = await coord.get(trustedHeadKey(name));
        if (head !== undefined) await coord.casDelete(trustedHeadKey(name), head);
        io.stdout.write(
          head === undefined
            ? `no tree head of ${name} was trusted yet\n`
            : `forgot the tree head of ${name} trusted so far: the next one is trusted as the database serves it\n`,
        );
        // Only for a database these settings name: its name was checked, so its store is inside the data directory.
        if (sumdbSpecs(config).some((s) => s.name === name)) {
          io.stdout.write(`dropped ${await dropProofs(config, name)} lookups and tiles kept from the old log of ${name}\n`);
        }
      }
      return 0;
    } catch (err) {
      io.stderr.write(`gomodproxy sumdb trust: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await coord.close();
    }
  },
  { 'forget-head': { type: 'boolean' } },
  true,
);

/**
 * The lookups and tiles kept for a database were proven in the forgotten timeline: the first one read again
 * (a kept lookup carries its old signed head) would be trusted on first use and report the new log as a fork.
 */
async function dropProofs(config: Readonly<Config>, name: string): Promise<number> {
  const layout = await openLayout(config);
  try {
    const store = layout.sumdbCache(name);
    const keys: string[] = [];
    for await (const key of listAll(store, '')) keys.push(key);
    for (const key of keys) await store.delete(key);
    return keys.length;
  } finally {
    await layout.close();
  }
}
