// `gomodproxy sync --follow URL`: stores every version a parent's index feed lists that is not stored yet,
// through the same fill path and data directory as `serve`, then exits (or, with --daemon, keeps following).
import { createServer } from '../app/compose.js';
import { claimData } from '../app/data-dir.js';
import type { SyncReport } from '../app/follow.js';
import { isGmpError } from '../errors.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { CliIO, Command } from './io.js';

export const SYNC_HELP = `Usage: gomodproxy sync --follow URL [--follow URL…] [--daemon] [flags]

Follows the index feeds given with --follow (another gomodproxy, or https://index.golang.org with
--follow-prefix): every version listed since the last run is filled through --upstream, validated and
verified, into the data directory. The position in each feed is kept, so the next run resumes there.
Without --daemon it exits once every feed is caught up: status 0, or 1 when a version could not be
stored (failed validation, or --upstream does not have it: such a version is skipped, and the log names
it), when --upstream could not give a version after a few tries (unreachable, failing: the version is left
for the next run, which starts there), when --upstream's policy refuses a version (another gomodproxy's 403
GMP_ERR_POLICY_DENIED: skipped, and logged), or when the feed could not be read. A version this proxy's policy
denies (--deny, --validation-hook) is skipped and counted, and is no failure. With --daemon it keeps
following until SIGTERM or Ctrl-C.

Use a data directory no running server uses, or let that server follow instead (serve --follow).

  --daemon   keep following (every --follow-interval) instead of exiting once caught up

Flags (the same settings as serve):
${configFlagsHelp()}
`;

export const sync: Command = withConfig(
  'sync',
  SYNC_HELP,
  async (config, io, values) => {
    if (config.follow.urls.length === 0) {
      io.stderr.write("gomodproxy sync: nothing to follow: give --follow URL (or set GOMODPROXY_FOLLOW); try 'gomodproxy sync --help'\n");
      return 2;
    }
    const daemon = values.daemon === true;
    const claim = await claimData(config, undefined, 'stop it: a server with --follow follows the feed itself');
    const server = await createServer(config, { follow: daemon }).catch(async (err: unknown) => {
      await claim.release();
      throw err;
    });
    try {
      if (daemon) {
        await stopped(io);
        return 0;
      }
      let reports: SyncReport[];
      try {
        reports = await server.followers.syncOnce(server.coord, io.signal ?? new AbortController().signal);
      } catch (err) {
        // A parent that cannot be reached, has no feed, or sends a bad one: one line (serve --follow retries).
        if (!isGmpError(err)) throw err;
        io.stderr.write(`gomodproxy sync: ${err.message}\n`);
        return 1;
      }
      io.stdout.write(reports.map(describe).join(''));
      // A version its upstream does not have was skipped (the cursor moved past it): the run did not store everything.
      // So was a version the parent marks private and --private here does not cover (passed over, not stored).
      // And a version the upstream's policy refuses (its 403 says so): passed over, not stored.
      const skipped = (r: SyncReport) => (['failed', 'gone', 'denied_upstream', 'private'] as const).some((k) => (r.counts.get(k) ?? 0) > 0);
      return reports.every((r) => r.caughtUp === true && !skipped(r)) ? 0 : 1;
    } finally {
      await server.close();
      await claim.release();
    }
  },
  { daemon: { type: 'boolean' } },
);

function describe(r: SyncReport): string {
  if (r.caughtUp === undefined) return `${r.feed}: another process is following this feed now; nothing done\n`;
  const n = (k: Parameters<typeof r.counts.get>[0]) => r.counts.get(k) ?? 0;
  const state = r.caughtUp ? 'caught up' : 'stopped before catching up';
  const upstream = n('denied_upstream') > 0 ? `, ${n('denied_upstream')} denied by the upstream's policy` : '';
  const priv = n('private') > 0 ? `, ${n('private')} private at the parent (not --private here)` : '';
  const held = (r.held ?? 0) > 0 ? `; ${r.held} held back: stamped after now (is the parent's clock ahead?), followed once that time comes` : '';
  return `${r.feed}: ${state}: ${n('stored')} stored, ${n('present')} already here, ${n('gone')} gone upstream, ${n('denied')} denied by policy, ${n('failed')} failed, ${n('ignored')} outside --follow-prefix, ${n('invalid')} invalid${upstream}${priv}${held}\n`;
}

function stopped(io: CliIO): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    io.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
}
