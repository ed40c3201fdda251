// Flag parsing for commands that take configuration settings, driven by the one options table.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { CONFIG_FLAG, OPTIONS } from '../config/options.js';

export type FlagValues = Record<string, string | string[] | boolean | undefined>;

export function parseConfigFlags(argv: string[]): { values: FlagValues; positionals: string[] } {
  const options: NonNullable<ParseArgsConfig['options']> = {
    help: { type: 'boolean', short: 'h' },
    [CONFIG_FLAG.flag]: { type: 'string' },
  };
  for (const o of OPTIONS) options[o.flag] = { type: 'string', multiple: o.repeatable === true };
  const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  return { values: values as FlagValues, positionals };
}

export function configFlagsHelp(): string {
  const rows = [
    [`--${CONFIG_FLAG.flag} FILE`, CONFIG_FLAG.env, CONFIG_FLAG.help, ''],
    ...OPTIONS.map((o) => [`--${o.flag} VALUE`, o.env, o.help, o.default === '' ? '' : ` (default ${o.default})`]),
  ];
  const w = Math.max(...rows.map((r) => (r[0] as string).length));
  return rows.map(([f, env, help, def]) => `  ${(f as string).padEnd(w)}  ${help}${def}\n  ${''.padEnd(w)}  env ${env}`).join('\n');
}

/** Only the flag values that are settings (strings), for loadConfig. */
export function settingFlags(values: FlagValues): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [k, v] of Object.entries(values)) if (typeof v === 'string' || Array.isArray(v)) out[k] = v;
  return out;
}
