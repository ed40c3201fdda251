// `gomodproxy config check`: validates the settings exactly as `serve` would and prints the result.
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../config/load.js';
import { configFlagsHelp, parseConfigFlags, settingFlags } from './flags.js';
import type { Command } from './io.js';

export const CONFIG_CHECK_HELP = `Usage: gomodproxy config check [flags]

Validates the configuration (file, GOMODPROXY_* environment, flags) as \`serve\` would, lists every
problem with its source and exits 1, or prints the effective settings and exits 0.

Flags:
${configFlagsHelp()}
`;

export const configCheck: Command = async (argv, io) => {
  const { values } = parseConfigFlags(argv);
  if (values.help) {
    io.stdout.write(CONFIG_CHECK_HELP);
    return 0;
  }
  try {
    const config = await loadConfig({ flags: settingFlags(values), env: io.env });
    io.stdout.write(`configuration is valid; effective settings (durations in ms, sizes in bytes):\n${stringify(config)}`);
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`gomodproxy: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
};
