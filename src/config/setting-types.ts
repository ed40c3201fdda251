// The kinds of settings the schema is made of. Each builder states a setting's default once and attaches
// its flag and help as schema metadata, from which the options table (flags, environment, --help, README)
// is derived: the schema is the only place a default is written.
import { z } from 'zod';
import { parseDuration, parseSize, parseSizeOrPercent } from './units.js';

export interface SettingMeta {
  readonly flag: string;
  readonly help: string;
  /** The default as a user writes it ('1m', '64MiB', 'on'), or a description of it. */
  readonly shownDefault: string;
  readonly repeatable?: boolean;
  /** What `--help` writes after the flag: the kind of value it takes (on|off, DURATION, SIZE, N, …). */
  readonly placeholder: string;
}

type Info = Omit<SettingMeta, 'shownDefault' | 'placeholder'> & { readonly shownDefault?: string };

const meta = <T extends z.ZodType>(s: T, info: Info, shown: string, placeholder = 'VALUE'): T =>
  s.meta({ ...info, shownDefault: info.shownDefault ?? shown, placeholder });

/**
 * A key written with nothing after it (`upstream:`, `cache:`) is YAML's null: said as such, not as a list, a
 * mapping or zod's "Invalid input".
 */
export const noValue = (issue: { input?: unknown }): string | undefined =>
  issue.input === null ? 'has no value: write one, or leave the key out for the default' : undefined;

function parsed<T>(def: string, parse: (v: string | number) => T | undefined, what: string, example: string, info: Info, placeholder: string) {
  const s = z
    .union([z.string(), z.number()], { error: (issue) => noValue(issue) ?? `invalid ${what} (use e.g. ${example})` })
    .default(def)
    .transform((v, ctx) => {
      const n = parse(v);
      if (n === undefined) {
        ctx.addIssue({ code: 'custom', message: `invalid ${what} ${JSON.stringify(v)} (use e.g. ${example})` });
        return z.NEVER;
      }
      return n;
    });
  return meta(s, info, def, placeholder);
}

/** `250ms`, `30s`, `5m`, `1h` → milliseconds. */
export const duration = (def: string, info: Info) => parsed(def, parseDuration, 'duration', '250ms, 30s, 5m, 1h; a number needs its unit', info, 'DURATION');

/** `64MiB`, `1GB` → bytes. */
export const size = (def: string, info: Info) => parsed(def, parseSize, 'size', '64MiB', info, 'SIZE');

/** `2GiB`, or `5%` of something the setting names; `0` or `off` for none. */
export const sizeOrPercent = (def: string, info: Info) => parsed(def, parseSizeOrPercent, 'size or percent', '2GiB, 5%, 0', info, 'SIZE|PERCENT');

/** A YAML scalar written without quotes (`listen: 3000`, `data: 2024`) is the text it reads as. */
const scalarText = (v: unknown) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v);
const ONE_VALUE = {
  error: (issue: { input?: unknown }) => noValue(issue) ?? 'must be one value, not a list or a mapping (a list of patterns is one comma-separated value)',
};

export const text = (def: string, info: Info, check?: (v: string) => string | undefined) => {
  const s = z
    .preprocess(scalarText, z.string(ONE_VALUE))
    .default(def)
    .superRefine((v, ctx) => {
      const problem = check?.(v);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    });
  return meta(s, info, def);
};

/** on/off, true/false. */
export const toggle = (def: boolean, info: Info) =>
  meta(
    z
      .union([z.boolean(), z.enum(['true', 'false', 'on', 'off'])], { error: 'must be on or off (or true or false)' })
      .default(def)
      .transform((v) => v === true || v === 'true' || v === 'on'),
    info,
    def ? 'on' : 'off',
    'on|off',
  );

export const int = (def: number, min: number, max: number, info: Info) =>
  meta(
    z.coerce
      .number({ error: `must be a whole number from ${min} to ${max}` })
      .int({ error: `must be a whole number from ${min} to ${max}` })
      .min(min)
      .max(max)
      .default(def),
    info,
    String(def),
    'N',
  );

export const choice = <const V extends readonly [string, ...string[]]>(values: V, def: V[number], info: Info) =>
  meta(z.enum(values, { error: `must be one of ${values.join(', ')}` }).default(def), info, def, values.join('|'));

/** A repeatable setting (flags given several times; `;`-separated in the environment). */
export const list = (def: readonly string[], info: Info, check?: (v: string) => string | undefined) => {
  // One value alone may be written without a list in the YAML file (`sumdb: off`).
  const s = z
    .preprocess(
      (v) => (Array.isArray(v) ? v.map(scalarText) : typeof v === 'object' || v === undefined ? v : [scalarText(v)]),
      z.array(z.string(ONE_VALUE), { error: 'must be a value or a list of values' }),
    )
    .default([...def])
    .superRefine((v, ctx) => {
      for (const item of v) {
        const problem = check?.(item);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      }
    });
  return meta(s, { ...info, repeatable: true }, def.join(';'));
};

/** A problem message from a parser that throws, or undefined when it accepts the value. */
export function thrown(parse: (v: string) => unknown): (v: string) => string | undefined {
  return (v) => {
    try {
      parse(v);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
}
