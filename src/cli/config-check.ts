// `gomodproxy config check`: validates the settings exactly as `serve` would and prints the result.
import { stringify } from 'yaml';
import type { Config } from '../config/schema.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { Command } from './io.js';

export const CONFIG_CHECK_HELP = `Usage: gomodproxy config check [flags]

Validates the configuration (file, GOMODPROXY_* environment, flags) as \`serve\` would, lists every
problem with its source and exits 1, or prints the effective settings and exits 0.

Flags:
${configFlagsHelp()}
`;

export const configCheck: Command = withConfig('config check', CONFIG_CHECK_HELP, async (config, io) => {
  io.stdout.write(`configuration is valid; effective settings (durations in ms, sizes in bytes):\n${stringify(redacted(config))}`);
  return 0;
});

/** The settings without secrets (the own checksum database's signer key). */
function redacted(config: Readonly<Config>): Config {
  return { ...config, ownSumdb: { ...config.ownSumdb, key: config.ownSumdb.key === '' ? '' : '<redacted>' } };
}
