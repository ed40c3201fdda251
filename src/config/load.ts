// Loads the configuration in layers — defaults, YAML file, GOMODPROXY_* environment, flags — validates
// it once against the schema, and reports every problem with the source that set the bad value.
import { readFile } from 'node:fs/promises';
import { parse as parseYAML } from 'yaml';
import { configSchema } from './schema.js';
import type { Config } from './schema.js';
import { CONFIG_FLAG, OPTIONS } from './options.js';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Tree = Record<string, unknown>;

export interface ConfigSources {
  /** Flag values keyed by flag name (without --); repeatable flags are arrays. */
  readonly flags?: Readonly<Record<string, string | string[] | undefined>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What the client commands read (publish, bundle import --url), not settings: a shell may well export them. */
const CLIENT_ENV = new Set(['GOMODPROXY_TOKEN', 'GOMODPROXY_URL']);

export async function loadConfig(sources: ConfigSources): Promise<Readonly<Config>> {
  const flags = sources.flags ?? {};
  const env = sources.env ?? {};
  const problems: string[] = [];
  const origin = new Map<string, string>();
  const tree: Tree = {};

  const file = (flags[CONFIG_FLAG.flag] as string | undefined) ?? env[CONFIG_FLAG.env];
  if (file !== undefined && file !== '') {
    const fromFile = await readConfigFile(file, problems);
    for (const [key, value] of flatten(fromFile)) {
      set(tree, key, value);
      origin.set(key, `config file ${file}`);
    }
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('GOMODPROXY_') && name !== CONFIG_FLAG.env && !CLIENT_ENV.has(name) && !OPTIONS.some((o) => o.env === name)) {
      problems.push(`environment ${name}: unknown setting`);
    }
  }
  for (const opt of OPTIONS) {
    const fromEnv = env[opt.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      set(
        tree,
        opt.key,
        opt.repeatable
          ? fromEnv
              .split(';')
              .map((s) => s.trim())
              .filter((s) => s !== '')
          : fromEnv,
      );
      origin.set(opt.key, `environment ${opt.env}`);
    }
    const fromFlag = flags[opt.flag];
    if (fromFlag !== undefined) {
      set(tree, opt.key, opt.repeatable ? [fromFlag].flat() : [fromFlag].flat().at(-1));
      origin.set(opt.key, `flag --${opt.flag}`);
    }
  }
  const result = configSchema.safeParse(tree);
  if (!result.success) {
    // Who set a key: its own source, or that of a key below or above it (a mapping, a whole section).
    const originOf = (key: string) => origin.get(key) ?? [...origin].find(([k]) => k.startsWith(`${key}.`) || key.startsWith(`${k}.`))?.[1] ?? 'default';
    for (const issue of result.error.issues) {
      const key = issue.path.filter((p) => typeof p === 'string').join('.');
      if (issue.code === 'unrecognized_keys') {
        // Only a config file can name an unknown key (flags and variables are known by name): say which one set it.
        for (const k of issue.keys) {
          const full = key ? `${key}.${k}` : k;
          problems.push(`${originOf(full)}: unknown setting ${full}`);
        }
        continue;
      }
      problems.push(`${originOf(key)}: ${key || '(root)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return deepFreeze(result.data);
}

async function readConfigFile(file: string, problems: string[]): Promise<Tree> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    // The system's reason in words (`no such file or directory`), then its code for searching.
    const e = err as NodeJS.ErrnoException;
    const reason = /^[A-Z]+: ([^,]+)/.exec(e.message)?.[1];
    problems.push(`config file ${file}: cannot read${reason === undefined ? '' : `: ${reason}`} (${e.code ?? 'error'})`);
    return {};
  }
  try {
    const doc: unknown = parseYAML(text) ?? {};
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      problems.push(`config file ${file}: must be a YAML mapping`);
      return {};
    }
    return doc as Tree;
  } catch (err) {
    problems.push(`config file ${file}: ${(err as Error).message.split('\n')[0]}`);
    return {};
  }
}

/** Flattens nested objects to dotted keys, keeping arrays and scalars as leaves. */
function flatten(t: Tree, prefix = ''): Array<[string, unknown]> {
  return Object.entries(t).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? flatten(v as Tree, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

function set(tree: Tree, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = tree;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Tree;
  }
  node[parts[parts.length - 1] as string] = value;
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
