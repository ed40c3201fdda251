// The one configuration schema: type, default, validation, flag and help of every setting, whatever its
// source (YAML file, GOMODPROXY_* environment, flags). Names follow the go command's own vocabulary.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { malformedGlob } from '../protocol/glob.js';
import { hideUserinfo, parseProxyList } from '../protocol/proxy-list.js';
import { parsePolicyRule } from '../protocol/policy-rule.js';
import { isSumdbName, parseGosumdb } from '../protocol/gosumdb.js';
import { parseCoordinator, parseStorage } from './backends.js';
import { parseTrustProxy } from './trust-proxy.js';
import { choice, duration, int, list, noValue, size, sizeOrPercent, text, thrown, toggle } from './setting-types.js';
import { DEFAULT_LISTEN } from './defaults.js';

const proxyList = thrown(parseProxyList);
const globs = (v: string) => {
  const list = v.replace(/\s*,\s*/g, ',').trim();
  if (/\s/.test(list)) return 'a comma-separated list of path globs, without spaces inside patterns';
  const bad = malformedGlob(list);
  return bad === undefined ? undefined : `${JSON.stringify(bad)} is not a valid pattern (path.Match syntax: * ? [class] \\x); it would match nothing`;
};
// A nested section whose settings all have defaults: absent means every default.
const section = <T extends z.ZodRawShape>(shape: T) =>
  z
    .object(shape, { error: (issue) => noValue(issue) ?? 'must be a mapping of its settings' })
    .strict()
    .prefault({} as never);

export const configSchema = z
  .object({
    listen: text(
      DEFAULT_LISTEN,
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
        /^\/[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(v) && !/^\/(sumdb|healthz|readyz|metrics|cached-only|ui|api|index|hooks)(\/|$)/.test(v)
          ? undefined
          : 'must be a path like /sumdb-own that does not clash with other endpoints',
      ),
    }),
    cache: section({
      listTTL: duration('1m', { flag: 'list-ttl', help: 'how long @v/list, @latest and queries are fresh' }),
      negativeTTL: duration('30s', { flag: 'negative-ttl', help: 'how long a not-found answer is remembered' }),
      memory: size('64MiB', { flag: 'memory-cache', help: 'in-memory cache for small metadata' }),
      readAhead: int(8, 0, 64, {
        flag: 'read-ahead',
        help: 'fill in the background what the go command asks next (the go.mod files below an unpruned go.mod; once it asks for an .info or a zip, the .info files or zips of the versions it selected), this many files at a time (0: off)',
      }),
    }),
    http: section({
      connectTimeout: duration('5s', { flag: 'connect-timeout', help: 'upstream connect timeout (0: no limit; a health probe still gives up after 5s)' }),
      firstByteTimeout: duration('30s', {
        flag: 'first-byte-timeout',
        help: 'upstream time to response headers (0: no limit; a health probe still gives up after 30s)',
      }),
      idleTimeout: duration('60s', { flag: 'idle-timeout', help: 'upstream body idle timeout' }),
      retries: int(2, 0, 10, { flag: 'retries', help: 'retries for network errors and 5xx answers' }),
      retryBackoff: duration('200ms', { flag: 'retry-backoff', help: 'first retry delay (doubles each retry)' }),
      breakerThreshold: int(5, 1, 1000, {
        flag: 'breaker-threshold',
        help: 'failures in a row that open an upstream circuit: each connect error counts, other failures count once per module (one bad module never opens it)',
      }),
      breakerCooldown: duration('30s', { flag: 'breaker-cooldown', help: 'how long an open circuit skips its upstream' }),
      probeInterval: duration('30s', {
        flag: 'probe-interval',
        help: 'how often an idle member of a `|` upstream group is probed for its latency, so the fastest is asked first (0s: never); open circuits are probed after --breaker-cooldown',
      }),
      fillDeadline: duration('2m', {
        flag: 'fill-deadline',
        help: 'total time a fill (or a page of a followed feed) may read an answer from upstreams, plus its size at --fill-min-rate; past it the client gets 504 and nothing is stored (0s: no deadline)',
      }),
      fillMinRate: size('64KiB', {
        flag: 'fill-min-rate',
        help: 'slowest average upstream transfer rate (bytes per second) a fill is allowed on top of --fill-deadline',
      }),
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
    workerHangTimeout: duration('60s', {
      flag: 'worker-hang-timeout',
      help: 'with --workers: a worker that does not answer the primary for this long (its event loop stuck) is killed and replaced (0: never)',
    }),
    shutdownTimeout: duration('30s', {
      flag: 'shutdown-timeout',
      help: 'how long SIGTERM (or SIGINT) waits for in-flight responses; past it, serve exits 1 with them cut',
    }),
    // Replicas: every replica names the same storage and coordinator (see the README's High availability).
    storage: text(
      '',
      {
        flag: 'storage',
        help: 'where the module cache and the shared state live: fs:DIR or s3://BUCKET[/PREFIX] (AWS credentials, region and endpoint from the AWS SDK environment or profile)',
        shownDefault: '<data>/cache',
      },
      thrown(parseStorage),
    ),
    s3: section({
      forcePathStyle: toggle(false, { flag: 's3-force-path-style', help: 'S3 storage: path-style URLs (endpoint/bucket/key), for MinIO, Ceph and Swift' }),
    }),
    coordinator: text(
      'local',
      {
        flag: 'coordinator',
        help: 'what processes agree through (fill leases, trusted tree heads, the own checksum log): local (this process, or the primary of --workers), postgres://USER:PASS@HOST[:PORT]/DB or redis://[USER:PASS@]HOST[:PORT][/DB]',
      },
      thrown(parseCoordinator),
    ),
    eviction: z
      .object({
        maxSize: size('0', { flag: 'cache-max-size', help: 'evict least recently used zips when the module cache grows past this size (0: never)' }),
        highWatermark: int(95, 1, 100, { flag: 'cache-high-watermark', help: 'percent of --cache-max-size at which eviction starts' }),
        lowWatermark: int(85, 1, 100, { flag: 'cache-low-watermark', help: 'percent of --cache-max-size at which eviction stops' }),
        // On by default: a module cache is the one tenant of a disk that can give space back, and a disk it shares
        // with other data (or fills on its own, with no --cache-max-size) would otherwise stop it caching for good.
        minFree: sizeOrPercent('5%', {
          flag: 'cache-min-free',
          help: 'keep at least this much free on the file system of a filesystem module cache (a size, or a percent of the file system), evicting least recently used zips below it, with or without --cache-max-size (0: never; no effect with s3:// storage)',
        }),
        pinFrom: list([], {
          flag: 'pin-from',
          help: 'go.sum or module@version list whose versions are never evicted (repeatable; env: separate with ;)',
        }),
      })
      .strict()
      .refine((v) => v.lowWatermark < v.highWatermark, {
        path: ['lowWatermark'],
        message: 'must be below --cache-high-watermark',
        // Checked even when another setting of the section (a bad --cache-max-size) failed: every mistake at once.
        when: ({ value }) => {
          const v = value as { lowWatermark?: unknown; highWatermark?: unknown };
          return Number.isInteger(v.lowWatermark) && Number.isInteger(v.highWatermark);
        },
      })
      .prefault({} as never),
    index: section({
      settle: duration('1s', {
        flag: 'index-settle',
        help: 'index feed (/index): how long a newly stored version waits before it is published, so versions stored at once by several workers or replicas keep their order',
      }),
    }),
    follow: section({
      urls: list(
        [],
        {
          flag: 'follow',
          help: 'follow the index feed of URL (another gomodproxy, or https://index.golang.org with --follow-prefix) and fill every new version through --upstream (repeatable; env: separate with ;)',
        },
        (u) =>
          /^https?:\/\/[^\s/]+/.test(u) && URL.canParse(u) ? undefined : `follow URL ${JSON.stringify(hideUserinfo(u))}: use http(s)://HOST[:PORT][/PATH]`,
      ),
      prefix: text(
        '',
        { flag: 'follow-prefix', help: 'module path globs (GOPRIVATE syntax) that followed feeds are restricted to; required for index.golang.org' },
        globs,
      ),
      interval: duration('5s', { flag: 'follow-interval', help: 'how often a followed feed is asked for new versions once caught up' }),
      concurrency: int(4, 1, 64, { flag: 'follow-concurrency', help: 'module versions filled at once per followed feed' }),
    }),
    hooks: section({
      secret: text('', {
        flag: 'hook-secret',
        help: 'shared secret of POST /hooks/refresh: the HMAC key of X-Hub-Signature-256, or the X-Gitlab-Token / Bearer token (a secret: prefer the environment); webhooks are off without it',
      }),
    }),
    tls: section({
      cert: text('', { flag: 'tls-cert', help: 'serve https with this PEM certificate (chain) file; reloaded on SIGHUP (needs --tls-key)' }),
      key: text('', { flag: 'tls-key', help: 'PEM private key file for --tls-cert; reloaded on SIGHUP' }),
    }),
    auth: section({
      mode: choice(['off', 'private', 'all'], 'off', {
        flag: 'auth',
        help: 'who must show a token: off (nobody), private (readers of --private modules), all (every request but /healthz and /readyz); uploads always need a publish token',
      }),
      failLimit: int(10, 1, 10_000, { flag: 'auth-fail-limit', help: 'failed authentications per client address and minute before it gets 429' }),
      trustProxy: text(
        'loopback',
        {
          flag: 'trust-proxy',
          help: 'reverse proxies whose X-Forwarded-For names the client address (for --auth-fail-limit and the audit log): loopback, linklocal, uniquelocal, addresses or CIDRs, comma-separated; off: none',
        },
        thrown(parseTrustProxy),
      ),
    }),
    audit: section({
      log: text('', { flag: 'audit-log', help: 'audit log (JSON lines): a file to append to, or - for stdout; empty: no audit log' }),
    }),
    policy: section({
      deny: list(
        [],
        { flag: 'deny', help: 'deny rule GLOB[@RANGE], e.g. example.com/bad@<v1.2.3 (repeatable; env: separate with ;)' },
        thrown(parsePolicyRule),
      ),
      allow: list(
        [],
        { flag: 'allow', help: 'allow rule GLOB[@RANGE]: an exception to the deny rules (repeatable; env: separate with ;)' },
        thrown(parsePolicyRule),
      ),
      hook: text(
        '',
        {
          flag: 'validation-hook',
          help: 'URL POSTed {"Module","Version"} (as Athens) before a fill or upload; 2xx allows, 403 denies (user:password in the URL is sent as Basic credentials)',
        },
        (v) => (v === '' || /^https?:\/\/[^/\s]+/.test(v) ? undefined : 'must be an http:// or https:// URL'),
      ),
      hookTimeout: duration('5s', { flag: 'validation-hook-timeout', help: 'how long the validation hook may take' }),
      hookFailure: choice(['closed', 'open'], 'closed', {
        flag: 'validation-hook-failure',
        help: 'when the hook fails or times out: closed (refuse, 503) or open (allow)',
      }),
    }),
    dashboard: toggle(true, {
      flag: 'dashboard',
      help: 'serve the web dashboard at /ui/ and its JSON API at /api/v1/, with the counters behind them (on or off)',
    }),
    publish: section({
      lockWait: duration('2m', {
        flag: 'publish-lock-wait',
        help: 'how long an upload waits for a version another fill, import or upload holds before it answers 503 (0: not at all)',
      }),
    }),
    bundle: section({
      trust: list(
        [],
        {
          flag: 'bundle-trust',
          help: "verifier key NAME+HASH+KEY of another gomodproxy's own checksum database (its `sumdb key` line): bundles it exports bring its proofs for private modules, checked on import (repeatable; env: separate with ;)",
        },
        (v) => {
          const problem = thrown(parseGosumdb)(v);
          return problem ?? (v.trim() === 'off' || !v.includes('+') ? 'must be a verifier key NAME+HASH+KEY' : undefined);
        },
      ),
      maxSize: size('64GiB', {
        flag: 'bundle-max-size',
        help: 'largest bundle a running proxy accepts from `bundle import --url` (POST /api/v1/admin/bundles)',
      }),
      lockWait: duration('15m', {
        flag: 'bundle-lock-wait',
        help: 'how long a bundle import waits for a version another fill or import holds before it stops (0: not at all); importing again stores the rest',
      }),
    }),
  })
  .strict()
  // Settings that go together are checked even when others failed, so one run lists every mistake.
  // The public index lists every module version in the world: following it needs a restriction.
  .refine((c) => !(c.follow.prefix === '' && c.follow.urls.some(isPublicIndex)), {
    // Named after what set the feed: --follow-prefix, being missing, has no source to blame.
    path: ['follow', 'urls'],
    message: 'following index.golang.org needs --follow-prefix (which modules to mirror)',
    when: ({ value }) => {
      const f = (value as { follow?: { prefix?: unknown; urls?: unknown } }).follow;
      return typeof f?.prefix === 'string' && Array.isArray(f.urls) && f.urls.every((u) => typeof u === 'string');
    },
  })
  // Both are served at /sumdb/<name>/: the own database would answer for the other, signed with the wrong key.
  .refine((c) => !c.ownSumdb.enabled || !c.sumdb.some((s) => sumdbNameOf(s) === c.ownSumdb.name), {
    path: ['ownSumdb', 'name'],
    error: (issue) =>
      `${(issue.input as { ownSumdb: { name: string } }).ownSumdb.name} is also the name of a --sumdb database (the own one's name is sum.gomodproxy.local unless set): both would be served at /sumdb/<name>/; give the own database another name with --own-sumdb-name, or --own-sumdb off`,
    when: ({ value }) => {
      const v = value as { sumdb?: unknown; ownSumdb?: { name?: unknown; enabled?: unknown } };
      return Array.isArray(v.sumdb) && v.sumdb.every((x) => typeof x === 'string') && typeof v.ownSumdb?.name === 'string';
    },
  })
  .refine((c) => (c.tls.cert === '') === (c.tls.key === ''), {
    path: ['tls'],
    message: '--tls-cert and --tls-key go together',
    when: ({ value }) => {
      const t = (value as { tls?: { cert?: unknown; key?: unknown } }).tls;
      return typeof t?.cert === 'string' && typeof t.key === 'string';
    },
  });

/** The name of a --sumdb entry, or undefined for `off` or one that does not parse (reported by its own check). */
function sumdbNameOf(entry: string): string | undefined {
  try {
    const spec = parseGosumdb(entry);
    return spec === 'off' ? undefined : spec.name;
  } catch {
    return undefined;
  }
}

/** Whether URL is index.golang.org's feed, however its host is written (capitals, a fully qualified trailing dot). */
export function isPublicIndex(url: string): boolean {
  return URL.canParse(url) && new URL(url).hostname.toLowerCase().replace(/\.$/, '') === 'index.golang.org';
}

export type Config = z.output<typeof configSchema>;

export function parseListen(v: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(v.trim());
  if (m === null) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port };
}
