// `gomodproxy sumdb key`: prints the own checksum database's verifier key and the exact GOSUMDB value
// for the go command (creating the signer key on first use, exactly as `serve` would).
import { parseListen } from '../config/schema.js';
import { loadOrCreateKey } from '../verify/own-sumdb.js';
import { reportUsage, UsageError } from './args.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { Command } from './io.js';

export const SUMDB_KEY_HELP = `Usage: gomodproxy sumdb key [--url URL] [flags]

Prints the verifier key of gomodproxy's own checksum database and the GOSUMDB value to give the go
command. The signer key is generated (and saved to the key file) if it does not exist yet.

  --url URL   the address Go users reach this gomodproxy at (default: from --listen)

Flags (the same settings as serve):
${configFlagsHelp()}
`;

export const sumdbKey: Command = withConfig(
  'sumdb key',
  SUMDB_KEY_HELP,
  async (config, io, values) => {
    const given = values.url as string | undefined;
    if (given !== undefined && !/^https?:\/\/[^/\s]+/.test(given.trim())) {
      return reportUsage(io, 'sumdb key', new UsageError(`option '--url' needs a value: the http:// or https:// address Go users reach this gomodproxy at`));
    }
    const key = await loadOrCreateKey(config);
    const listen = parseListen(config.listen);
    const host = listen === undefined || listen.host === '0.0.0.0' || listen.host === '::' ? 'localhost' : listen.host;
    const url = (given?.trim() ?? `http://${host}:${listen?.port ?? 3000}`).replace(/\/+$/, '');
    io.stdout.write(
      `${key.verifierKey}\n\n` +
        `# give the go command (with GOPROXY at this gomodproxy, the key alone also works):\n` +
        `export GOSUMDB='${key.verifierKey} ${url}/sumdb/${config.ownSumdb.name}'\n` +
        (key.created ? `\n# a new signer key was written to ${key.source}; keep it secret and back it up\n` : ''),
    );
    return 0;
  },
  { url: { type: 'string' } },
);
