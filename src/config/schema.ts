// The one configuration schema: types, defaults and validation for every setting, whatever its source
// (YAML file, GOMODPROXY_* environment, flags). Names follow the go command's own vocabulary.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseProxyList } from '../upstream/proxy-list.js';
import { isSumdbName, parseGosumdb } from './gosumdb.js';
import { parseDuration, parseSize } from './units.js';

const duration = (def: string) =>
  z
    .union([z.string(), z.number()])
    .default(def)
    .transform((v, ctx) => {
      const ms = parseDuration(v);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)} (use e.g. 250ms, 30s, 5m, 1h)` });
        return z.NEVER;
      }
      return ms;
    });

const size = (def: string) =>
  z
    .union([z.string(), z.number()])
    .default(def)
    .transform((v, ctx) => {
      const n = parseSize(v);
      if (n === undefined) {
        ctx.addIssue({ code: 'custom', message: `invalid size ${JSON.stringify(v)} (use e.g. 64MiB)` });
        return z.NEVER;
      }
      return n;
    });

const proxyList = (def: string) =>
  z
    .string()
    .default(def)
    .superRefine((v, ctx) => {
      try {
        parseProxyList(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    });

// Loopback by default: listening on all interfaces publishes an open proxy, so it must be asked for.
const listen = z
  .string()
  .default('127.0.0.1:3000')
  .refine((v) => parseListen(v) !== undefined, { message: 'must be HOST:PORT or :PORT with a port from 0 to 65535' });

const sumdbEntry = z.string().superRefine((v, ctx) => {
  try {
    parseGosumdb(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const globList = z
  .string()
  .default('')
  .refine((v) => !/\s/.test(v.replace(/\s*,\s*/g, ',').trim()), {
    message: 'a comma-separated list of path globs, without spaces inside patterns',
  });

export const configSchema = z
  .object({
    listen,
    data: z.string().min(1).default('./data'),
    upstream: proxyList('https://proxy.golang.org'),
    private: globList,
    privateUpstream: proxyList('direct'),
    sumdb: z.array(sumdbEntry).default(['sum.golang.org']),
    noSumdb: globList,
    ownSumdb: z
      .object({
        enabled: z
          .union([z.boolean(), z.enum(['true', 'false', 'on', 'off'])])
          .default(true)
          .transform((v) => v === true || v === 'true' || v === 'on'),
        name: z.string().default('sum.gomodproxy.local').refine(isSumdbName, { message: 'must look like host[/path], as the go command requires' }),
        keyFile: z.string().default(''),
        key: z.string().default(''),
        base: z
          .string()
          .default('/sumdb-own')
          .refine((v) => /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(v) && !/^\/(sumdb|healthz|readyz|metrics|cached-only)(\/|$)/.test(v), {
            message: 'must be a path like /sumdb-own that does not clash with other endpoints',
          }),
      })
      .strict()
      .prefault({}),
    cache: z
      .object({
        listTTL: duration('1m'),
        negativeTTL: duration('30s'),
        memory: size('64MiB'),
      })
      .strict()
      .prefault({}),
    http: z
      .object({
        connectTimeout: duration('5s'),
        firstByteTimeout: duration('30s'),
        idleTimeout: duration('60s'),
        retries: z.coerce.number().int().min(0).max(10).default(2),
        retryBackoff: duration('200ms'),
        breakerThreshold: z.coerce.number().int().min(1).default(5),
        breakerCooldown: duration('30s'),
      })
      .strict()
      .prefault({}),
    direct: z
      .object({
        refreshInterval: duration('1m'),
        gitTimeout: duration('10m'),
        rewrite: z
          .array(z.string())
          .default([])
          .superRefine((v, ctx) => {
            for (const r of v) if (!/^[^=]+=.+$/.test(r)) ctx.addIssue({ code: 'custom', message: `rewrite rule ${JSON.stringify(r)}: use FROM=TO` });
          }),
        netrc: z.string().default(''),
        auth: z
          .array(z.string())
          .default([])
          .superRefine((v, ctx) => {
            for (const a of v) {
              if (!/^[A-Za-z0-9.-]+(:\d+)?=(bearer:.+|basic:[^:]*:.+|header:[A-Za-z0-9-]+:.+)$/.test(a)) {
                ctx.addIssue({ code: 'custom', message: 'credential entries are HOST=bearer:TOKEN, HOST=basic:USER:PASSWORD or HOST=header:NAME:VALUE' });
              }
            }
          }),
        allowPrivateNetworks: z
          .union([z.boolean(), z.enum(['true', 'false', 'on', 'off'])])
          .default(false)
          .transform((v) => v === true || v === 'true' || v === 'on'),
        partialClone: z
          .union([z.boolean(), z.enum(['true', 'false', 'on', 'off'])])
          .default(true)
          .transform((v) => v === true || v === 'true' || v === 'on'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .strict()
      .prefault({}),
    shutdownTimeout: duration('30s'),
    workers: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
  })
  .strict();

export type Config = z.output<typeof configSchema>;

export function parseListen(v: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}
