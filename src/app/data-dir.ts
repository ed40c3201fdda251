// One process at a time on a data directory whose coordinator is `local` (coord/data-dir-claim.ts says how it
// is claimed): `serve`, and the commands that open the directory themselves (warm, bundle export and import
// with --data, sync). A second one is refused before it touches anything, naming the holder. With PostgreSQL
// or Redis the processes agree through those, and nothing is claimed.
import { parseCoordinator } from '../config/backends.js';
import type { Config } from '../config/schema.js';
import { claimDataDir } from '../coord/data-dir-claim.js';
import type { DataDirClaim } from '../coord/data-dir-claim.js';
import { gmpError } from '../errors.js';

/**
 * Claims config.data for this process until release (or its exit); GMP_ERR_CONFIG naming the holder when
 * another process has it. `listen` is what this one tells a process that asks; `instead` ends the message.
 */
export async function claimData(config: Readonly<Config>, listen: string | undefined, instead: string): Promise<DataDirClaim> {
  if (parseCoordinator(config.coordinator).kind !== 'local') return { bound: () => undefined, release: async () => undefined };
  const got = await claimDataDir(config.data, { listen: listen ?? '' });
  if ('claim' in got) return got.claim;
  const { pid, listen: where, starting } = got.heldBy;
  // A server says where it listens once it is bound; before that, the address it was given (a port 0 is no port yet).
  const place = where === undefined || where === '' ? '' : starting === true ? `starting, with --listen ${where}` : `listening on ${where}`;
  const who = [pid === undefined ? '' : `pid ${pid}`, place].filter((s) => s !== '').join(', ');
  // A server says where it listens; a command (warm, bundle, sync) says nothing of that.
  const holder = where === undefined || where === '' ? 'gomodproxy command' : 'gomodproxy serve';
  throw gmpError('GMP_ERR_CONFIG', `the data directory ${config.data} is in use by another ${holder}${who === '' ? '' : ` (${who})`}: ${instead}`);
}
