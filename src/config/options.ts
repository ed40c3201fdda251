// Every setting's flag and environment variable, derived from the schema's metadata: used for parsing,
// `--help` and the README reference, so none of them can drift from the schema's defaults.
import type { z } from 'zod';
import { configSchema } from './schema.js';
import type { SettingMeta } from './setting-types.js';

export interface OptionSpec {
  /** Dotted path in the config schema. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly repeatable?: boolean;
  readonly help: string;
  readonly default: string;
  /** The kind of value, for --help (`--flag on|off`). */
  readonly placeholder: string;
}

/** The environment variable of a flag: GOMODPROXY_ and the flag in upper case, '-' as '_'. */
export const envOf = (flag: string): string => `GOMODPROXY_${flag.toUpperCase().replaceAll('-', '_')}`;

interface Node {
  readonly _zod: { readonly def: { readonly type: string; readonly innerType?: Node; readonly shape?: Record<string, Node> } };
  meta(): unknown;
}

function collect(node: Node, prefix: string, out: OptionSpec[]): void {
  const m = node.meta() as SettingMeta | undefined;
  if (m?.flag !== undefined) {
    out.push({ key: prefix, flag: m.flag, env: envOf(m.flag), repeatable: m.repeatable, help: m.help, default: m.shownDefault, placeholder: m.placeholder });
    return;
  }
  const def = node._zod.def;
  if (def.shape !== undefined) {
    for (const [k, child] of Object.entries(def.shape)) collect(child, prefix === '' ? k : `${prefix}.${k}`, out);
  } else if (def.innerType !== undefined) {
    collect(def.innerType, prefix, out);
  } else {
    throw new Error(`config setting ${prefix} has no flag in the schema`);
  }
}

function options(schema: z.ZodType): OptionSpec[] {
  const out: OptionSpec[] = [];
  collect(schema as unknown as Node, '', out);
  return out;
}

export const OPTIONS: readonly OptionSpec[] = options(configSchema);

export const CONFIG_FLAG = { flag: 'config', env: 'GOMODPROXY_CONFIG', help: 'YAML configuration file' };
