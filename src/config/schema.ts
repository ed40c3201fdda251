// The one configuration schema: type, default, validation, flag and help of every setting, whatever its
// source (YAML file, GOMODPROXY_* environment, flags). Names follow the go command's own vocabulary.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseProxyList } from '../protocol/proxy-list.js';
import { isSumdbName, parseGosumdb } from './gosumdb.js';
import { choice, duration, int, list, size, text, thrown, toggle } from './setting-types.js';

const proxyList = thrown(parseProxyList);
const globs = (v: string) =>
  /\s/.test(v.replace(/\s*,\s*/g, ',').trim()) ? 'a comma-separated list of path globs, without spaces inside patterns' : undefined;
// A nested section whose settings all have defaults: absent means every default.
const section = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape)
    .strict()
    .prefault({} as never);

export const configSchema = z
  .object({
    // Loopback by default: listening on all interfaces publishes an open proxy, so it must be asked for.
    listen: text(
      '127.0.0.1:3000',
      { flag: 'listen', help: 'address to listen on, HOST:PORT, or :PORT for all interfaces (then other machines can use the proxy)' },
      (v) => (parseListen(v) === undefined ? 'must be HOST:PORT or :PORT with a port from 0 to 65535' : undefined),
    ),
    data: text('./data', { flag: 'data', help: 'data directory (cache, temp files)' }, (v) => (v === '' ? 'must not be empty' : undefined)),
    upstream: text(
      'https://proxy.golang.org',
      { flag: 'upstream', help: 'upstream list in GOPROXY syntax (`,` falls through on 404/410, `|` on any error; direct, off)' },
      proxyList,
    ),
    private: text('', { flag: 'private', help: 'private module path globs in GOPRIVATE syntax: never sent to public upstreams, redacted in logs' }, globs),
    privateUpstream: text('direct', { flag: 'private-upstream', help: 'upstream list used for private modules instead of --upstream' }, proxyList),
    sumdb: list(
      ['sum.golang.org'],
      { flag: 'sumdb', help: "checksum database in GOSUMDB syntax 'NAME+KEY [URL]' or off (repeatable; env: separate with ;)" },
      thrown(parseGosumdb),
    ),
    noSumdb: text(
      '',
      { flag: 'nosumdb', help: 'module path globs (GONOSUMDB syntax) not checked against public checksum databases; --private patterns are always included' },
      globs,
    ),
    ownSumdb: section({
      enabled: toggle(true, { flag: 'own-sumdb', help: "run gomodproxy's own checksum database (on or off)" }),
      name: text('sum.gomodproxy.local', { flag: 'own-sumdb-name', help: 'name of the own checksum database (the GOSUMDB key name, host[/path])' }, (v) =>
        isSumdbName(v) ? undefined : 'must look like host[/path], as the go command requires',
      ),
      keyFile: text('', {
        flag: 'own-sumdb-key-file',
        help: 'signer key file of the own checksum database; generated on first start when missing',
        shownDefault: '<data>/own-sumdb/signer.key',
      }),
      key: text('', { flag: 'own-sumdb-key', help: 'signer key itself (a secret: prefer the environment or a file); overrides the key file' }),
      base: text('/sumdb-own', { flag: 'own-sumdb-base', help: 'URL path where the own checksum database is served (also at /sumdb/<name>/)' }, (v) =>
        /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(v) && !/^\/(sumdb|healthz|readyz|metrics|cached-only)(\/|$)/.test(v)
          ? undefined
          : 'must be a path like /sumdb-own that does not clash with other endpoints',
      ),
    }),
    cache: section({
      listTTL: duration('1m', { flag: 'list-ttl', help: 'how long @v/list, @latest and queries are fresh' }),
      negativeTTL: duration('30s', { flag: 'negative-ttl', help: 'how long a not-found answer is remembered' }),
      memory: size('64MiB', { flag: 'memory-cache', help: 'in-memory cache for small metadata' }),
    }),
    http: section({
      connectTimeout: duration('5s', { flag: 'connect-timeout', help: 'upstream connect timeout' }),
      firstByteTimeout: duration('30s', { flag: 'first-byte-timeout', help: 'upstream time to response headers' }),
      idleTimeout: duration('60s', { flag: 'idle-timeout', help: 'upstream body idle timeout' }),
      retries: int(2, 0, 10, { flag: 'retries', help: 'retries for network errors and 5xx answers' }),
      retryBackoff: duration('200ms', { flag: 'retry-backoff', help: 'first retry delay (doubles each retry)' }),
      breakerThreshold: int(5, 1, 1000, { flag: 'breaker-threshold', help: 'consecutive failures that open an upstream circuit' }),
      breakerCooldown: duration('30s', { flag: 'breaker-cooldown', help: 'how long an open circuit skips its upstream' }),
    }),
    direct: section({
      refreshInterval: duration('1m', { flag: 'direct-refresh', help: 'direct mode: fetch a repository mirror at most this often' }),
      gitTimeout: duration('10m', { flag: 'git-timeout', help: 'direct mode: time limit for each git command' }),
      rewrite: list(
        [],
        {
          flag: 'direct-rewrite',
          help: "direct mode: repository URL rewrite FROM=TO, like git's insteadOf (repeatable; env: separate with ;); a FROM of https://HOST/ or https://HOST/PATH/ also maps modules under it without go-get discovery, to the repository FROM + next path element",
        },
        (r) => (/^[^=]+=.+$/.test(r) ? undefined : `rewrite rule ${JSON.stringify(r)}: use FROM=TO`),
      ),
      netrc: text('', { flag: 'direct-netrc', help: 'direct mode: netrc file with per-host credentials' }),
      auth: list(
        [],
        {
          flag: 'direct-auth',
          help: 'direct mode: credential HOST=bearer:TOKEN, HOST=basic:USER:PASSWORD or HOST=header:NAME:VALUE, sent to that host only (repeatable)',
        },
        (a) =>
          /^[A-Za-z0-9.-]+(:\d+)?=(bearer:.+|basic:[^:]*:.+|header:[A-Za-z0-9-]+:.+)$/.test(a)
            ? undefined
            : 'credential entries are HOST=bearer:TOKEN, HOST=basic:USER:PASSWORD or HOST=header:NAME:VALUE',
      ),
      allowPrivateNetworks: toggle(false, {
        flag: 'direct-allow-private-networks',
        help: 'direct mode: let go-get discovery and the repositories it names use loopback or private addresses',
      }),
      partialClone: toggle(true, { flag: 'direct-partial-clone', help: 'direct mode: mirror with --filter=blob:none where the server allows' }),
    }),
    log: section({
      level: choice(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], 'info', {
        flag: 'log-level',
        help: 'trace, debug, info, warn, error or silent',
      }),
    }),
    workers: int(availableParallelism(), 1, 256, {
      flag: 'workers',
      help: 'HTTP worker processes sharing the port (1 = a single process); a primary process supervises them',
      shownDefault: 'number of CPUs',
    }),
    shutdownTimeout: duration('30s', { flag: 'shutdown-timeout', help: 'how long SIGTERM waits for in-flight responses' }),
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
