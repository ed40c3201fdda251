// `gomodproxy pin` / `unpin`: module versions whose zips eviction never removes. Pins are blobs in the data
// directory's content store, so every process and replica sharing it sees them at the next eviction pass.
import { openLayout } from '../app/layout.js';
import { parseModuleArgs, WorkloadError } from '../protocol/module-lists.js';
import type { ModuleVersion } from '../content/content-keys.js';
import { ModuleFileError, readModuleFile } from '../content/module-files.js';
import { PinStore } from '../content/pins.js';
import { reportUsage, UsageError } from './args.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { Command } from './io.js';

const help = (cmd: 'pin' | 'unpin') => `Usage: gomodproxy ${cmd} [MODULE@VERSION…] [--from FILE]…${cmd === 'pin' ? ' [--list]' : ''} [flags]

${
  cmd === 'pin'
    ? 'Pins module versions: eviction (--cache-max-size) never removes their zips. Pins are kept in the data\ndirectory (--data), so a running server sees them at its next eviction pass.'
    : 'Removes pins set with gomodproxy pin (versions of --pin-from files stay pinned while the server runs with them:\nnamed one, unpin says so and exits 1).'
}

  --from FILE   every version of a go.sum, the requirements of a go.mod or go.work, or a file of
                module@version lines (repeatable)${cmd === 'pin' ? '\n  --list        print the pinned versions (after pinning any named), with those of --pin-from files marked' : ''}

Flags (the same settings as serve):
${configFlagsHelp()}
`;

function pinCommand(cmd: 'pin' | 'unpin'): Command {
  const extra = { from: { type: 'string' as const, multiple: true }, ...(cmd === 'pin' ? { list: { type: 'boolean' as const } } : {}) };
  return withConfig(
    cmd,
    help(cmd),
    async (config, io, values, args) => {
      let versions: ModuleVersion[];
      try {
        versions = parseModuleArgs(args);
      } catch (err) {
        if (err instanceof WorkloadError) return reportUsage(io, cmd, new UsageError(err.message));
        throw err;
      }
      try {
        for (const f of (values.from as string[] | undefined) ?? []) versions.push(...(await readModuleFile(f)).versions);
      } catch (err) {
        if (!(err instanceof ModuleFileError)) throw err;
        io.stderr.write(`gomodproxy ${cmd}: ${err.message}\n`);
        return 1;
      }
      if (versions.length === 0 && values.list !== true) {
        return reportUsage(io, cmd, new UsageError('name module versions (MODULE@VERSION or --from FILE)'));
      }
      const layout = await openLayout(config);
      let failed = false;
      try {
        const pins = new PinStore(layout.content, config.eviction.pinFrom);
        let notPinned = 0;
        for (const v of versions) {
          if (cmd === 'pin') await pins.pin(v.path, v.version);
          else if (!(await pins.unpin(v.path, v.version))) notPinned++;
        }
        const done = versions.length - notPinned;
        const plural = (n: number) => `${n} module version${n === 1 ? '' : 's'}`;
        // A version a --pin-from file lists stays pinned whatever unpin does: say so, or eviction's keeping it surprises.
        const listed = cmd === 'unpin' ? new Set((await pins.list()).map((p) => `${p.module}@${p.version}`)) : new Set<string>();
        const kept = versions.filter((v) => listed.has(`${v.path}@${v.version}`));
        const keptNote =
          kept.length === 0
            ? ''
            : `; ${plural(kept.length)} still pinned by a --pin-from file (remove it there): ${kept.map((v) => `${v.path}@${v.version}`).join(', ')}`;
        if (versions.length > 0)
          io.stdout.write(
            `${cmd === 'pin' ? 'pinned' : 'unpinned'} ${plural(done)}${notPinned > 0 ? ` (${plural(notPinned)} not pinned here: nothing to do)` : ''}${keptNote}\n`,
          );
        // What unpin was asked for did not happen for those: eviction still keeps them, so a script must see it.
        failed = kept.length > 0;
        if (values.list === true) {
          for (const p of await pins.list()) io.stdout.write(`${p.module}@${p.version}${p.from === 'config' ? ' (--pin-from)' : ''}\n`);
        }
      } finally {
        await layout.close();
      }
      return failed ? 1 : 0;
    },
    extra,
    true,
  );
}

export const pin = pinCommand('pin');
export const unpin = pinCommand('unpin');
