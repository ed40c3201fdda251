// Flag parsing for commands that take configuration settings, driven by the one options table.
import type { ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/load.js';
import { CONFIG_FLAG, OPTIONS } from '../config/options.js';
import type { Config } from '../config/schema.js';
import { parseCommandArgs, reportUsage, UsageError } from './args.js';
import type { CliIO, Command } from './io.js';

export type FlagValues = Record<string, string | string[] | boolean | undefined>;
type Options = NonNullable<ParseArgsConfig['options']>;

/** The settings flags plus a command's own (`extra`); positional arguments only when asked for. Throws UsageError. */
export function parseConfigFlags(argv: string[], extra: Options = {}, allowPositionals = false): { values: FlagValues; positionals: string[] } {
  const options: Options = {
    help: { type: 'boolean', short: 'h' },
    [CONFIG_FLAG.flag]: { type: 'string' },
    ...extra,
  };
  for (const o of OPTIONS) options[o.flag] = { type: 'string', multiple: o.repeatable === true };
  const { values, positionals } = parseCommandArgs({ args: argv, options, allowPositionals });
  return { values: values as FlagValues, positionals };
}

export function configFlagsHelp(): string {
  const rows = [
    [`--${CONFIG_FLAG.flag} FILE`, CONFIG_FLAG.env, CONFIG_FLAG.help, ''],
    ...OPTIONS.map((o) => [`--${o.flag} ${o.placeholder}`, o.env, o.help, o.default === '' ? '' : ` (default ${o.default})`]),
  ];
  const w = Math.max(...rows.map((r) => (r[0] as string).length));
  return rows.map(([f, env, help, def]) => `  ${(f as string).padEnd(w)}  ${help}${def}\n  ${''.padEnd(w)}  env ${env}`).join('\n');
}

/** Only the flag values that are settings (strings), for loadConfig. */
export function settingFlags(values: FlagValues): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  const names = new Set([CONFIG_FLAG.flag, ...OPTIONS.map((o) => o.flag)]);
  for (const [k, v] of Object.entries(values)) if (names.has(k) && (typeof v === 'string' || Array.isArray(v))) out[k] = v;
  return out;
}

/**
 * A command that takes the settings flags (and its own `extra` ones): prints help on --help, refuses
 * usage mistakes with one line and exit 2, loads and validates the config (exit 1 with every problem
 * on a bad one), then runs.
 */
export function withConfig(
  command: string,
  help: string,
  run: (config: Readonly<Config>, io: CliIO, values: FlagValues, positionals: string[]) => Promise<number>,
  extra: Options = {},
  allowPositionals = false,
): Command {
  return async (argv, io) => {
    let values: FlagValues;
    let positionals: string[];
    try {
      ({ values, positionals } = parseConfigFlags(argv, extra, allowPositionals));
    } catch (err) {
      if (err instanceof UsageError) return reportUsage(io, command, err);
      throw err;
    }
    if (values.help) {
      io.stdout.write(help);
      return 0;
    }
    let config: Readonly<Config>;
    try {
      config = await loadConfig({ flags: settingFlags(values), env: io.env });
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(`gomodproxy: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    return run(config, io, values, positionals);
  };
}
