// Every setting's flag and environment variable, in one table: used for parsing, `--help` and the
// README reference, so the three cannot drift apart.

export interface OptionSpec {
  /** Dotted path in the config schema. */
  readonly key: string;
  readonly flag: string;
  readonly env: string;
  readonly repeatable?: boolean;
  readonly help: string;
  readonly default: string;
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'listen',
    flag: 'listen',
    env: 'GOMODPROXY_LISTEN',
    default: '127.0.0.1:3000',
    help: 'address to listen on, HOST:PORT, or :PORT for all interfaces (then other machines can use the proxy)',
  },
  { key: 'data', flag: 'data', env: 'GOMODPROXY_DATA', default: './data', help: 'data directory (cache, temp files)' },
  {
    key: 'upstream',
    flag: 'upstream',
    env: 'GOMODPROXY_UPSTREAM',
    default: 'https://proxy.golang.org',
    help: 'upstream list in GOPROXY syntax (`,` falls through on 404/410, `|` on any error; direct, off)',
  },
  {
    key: 'private',
    flag: 'private',
    env: 'GOMODPROXY_PRIVATE',
    default: '',
    help: 'private module path globs in GOPRIVATE syntax: never sent to public upstreams, redacted in logs',
  },
  {
    key: 'privateUpstream',
    flag: 'private-upstream',
    env: 'GOMODPROXY_PRIVATE_UPSTREAM',
    default: 'direct',
    help: 'upstream list used for private modules instead of --upstream',
  },
  {
    key: 'sumdb',
    flag: 'sumdb',
    env: 'GOMODPROXY_SUMDB',
    repeatable: true,
    default: 'sum.golang.org',
    help: "checksum database in GOSUMDB syntax 'NAME+KEY [URL]' or off (repeatable; env: separate with ;)",
  },
  {
    key: 'noSumdb',
    flag: 'nosumdb',
    env: 'GOMODPROXY_NOSUMDB',
    default: '',
    help: 'module path globs (GONOSUMDB syntax) not checked against public checksum databases; --private patterns are always included',
  },
  { key: 'ownSumdb.enabled', flag: 'own-sumdb', env: 'GOMODPROXY_OWN_SUMDB', default: 'on', help: "run gomodproxy's own checksum database (on or off)" },
  {
    key: 'ownSumdb.name',
    flag: 'own-sumdb-name',
    env: 'GOMODPROXY_OWN_SUMDB_NAME',
    default: 'sum.gomodproxy.local',
    help: 'name of the own checksum database (the GOSUMDB key name, host[/path])',
  },
  {
    key: 'ownSumdb.keyFile',
    flag: 'own-sumdb-key-file',
    env: 'GOMODPROXY_OWN_SUMDB_KEY_FILE',
    default: '<data>/own-sumdb/signer.key',
    help: 'signer key file of the own checksum database; generated on first start when missing',
  },
  {
    key: 'ownSumdb.key',
    flag: 'own-sumdb-key',
    env: 'GOMODPROXY_OWN_SUMDB_KEY',
    default: '',
    help: 'signer key itself (a secret: prefer the environment or a file); overrides the key file',
  },
  {
    key: 'ownSumdb.base',
    flag: 'own-sumdb-base',
    env: 'GOMODPROXY_OWN_SUMDB_BASE',
    default: '/sumdb-own',
    help: 'URL path where the own checksum database is served (also at /sumdb/<name>/)',
  },
  { key: 'cache.listTTL', flag: 'list-ttl', env: 'GOMODPROXY_LIST_TTL', default: '1m', help: 'how long @v/list, @latest and queries are fresh' },
  { key: 'cache.negativeTTL', flag: 'negative-ttl', env: 'GOMODPROXY_NEGATIVE_TTL', default: '30s', help: 'how long a not-found answer is remembered' },
  { key: 'cache.memory', flag: 'memory-cache', env: 'GOMODPROXY_MEMORY_CACHE', default: '64MiB', help: 'in-memory cache for small metadata' },
  { key: 'http.connectTimeout', flag: 'connect-timeout', env: 'GOMODPROXY_CONNECT_TIMEOUT', default: '5s', help: 'upstream connect timeout' },
  { key: 'http.firstByteTimeout', flag: 'first-byte-timeout', env: 'GOMODPROXY_FIRST_BYTE_TIMEOUT', default: '30s', help: 'upstream time to response headers' },
  { key: 'http.idleTimeout', flag: 'idle-timeout', env: 'GOMODPROXY_IDLE_TIMEOUT', default: '60s', help: 'upstream body idle timeout' },
  { key: 'http.retries', flag: 'retries', env: 'GOMODPROXY_RETRIES', default: '2', help: 'retries for network errors and 5xx answers' },
  { key: 'http.retryBackoff', flag: 'retry-backoff', env: 'GOMODPROXY_RETRY_BACKOFF', default: '200ms', help: 'first retry delay (doubles each retry)' },
  {
    key: 'http.breakerThreshold',
    flag: 'breaker-threshold',
    env: 'GOMODPROXY_BREAKER_THRESHOLD',
    default: '5',
    help: 'consecutive failures that open an upstream circuit',
  },
  {
    key: 'http.breakerCooldown',
    flag: 'breaker-cooldown',
    env: 'GOMODPROXY_BREAKER_COOLDOWN',
    default: '30s',
    help: 'how long an open circuit skips its upstream',
  },
  {
    key: 'direct.refreshInterval',
    flag: 'direct-refresh',
    env: 'GOMODPROXY_DIRECT_REFRESH',
    default: '1m',
    help: 'direct mode: fetch a repository mirror at most this often',
  },
  { key: 'direct.gitTimeout', flag: 'git-timeout', env: 'GOMODPROXY_GIT_TIMEOUT', default: '10m', help: 'direct mode: time limit for each git command' },
  {
    key: 'direct.rewrite',
    flag: 'direct-rewrite',
    env: 'GOMODPROXY_DIRECT_REWRITE',
    repeatable: true,
    default: '',
    help: "direct mode: repository URL rewrite FROM=TO, like git's insteadOf (repeatable; env: separate with ;); a FROM of https://HOST/ or https://HOST/PATH/ also maps modules under it without go-get discovery, to the repository FROM + next path element",
  },
  { key: 'direct.netrc', flag: 'direct-netrc', env: 'GOMODPROXY_DIRECT_NETRC', default: '', help: 'direct mode: netrc file with per-host credentials' },
  {
    key: 'direct.auth',
    flag: 'direct-auth',
    env: 'GOMODPROXY_DIRECT_AUTH',
    repeatable: true,
    default: '',
    help: 'direct mode: credential HOST=bearer:TOKEN, HOST=basic:USER:PASSWORD or HOST=header:NAME:VALUE, sent to that host only (repeatable)',
  },
  {
    key: 'direct.allowPrivateNetworks',
    flag: 'direct-allow-private-networks',
    env: 'GOMODPROXY_DIRECT_ALLOW_PRIVATE_NETWORKS',
    default: 'false',
    help: 'direct mode: let go-get discovery and the repositories it names use loopback or private addresses',
  },
  {
    key: 'direct.partialClone',
    flag: 'direct-partial-clone',
    env: 'GOMODPROXY_DIRECT_PARTIAL_CLONE',
    default: 'true',
    help: 'direct mode: mirror with --filter=blob:none where the server allows',
  },
  { key: 'log.level', flag: 'log-level', env: 'GOMODPROXY_LOG_LEVEL', default: 'info', help: 'trace, debug, info, warn, error or silent' },
  {
    key: 'workers',
    flag: 'workers',
    env: 'GOMODPROXY_WORKERS',
    default: 'number of CPUs',
    help: 'HTTP worker processes sharing the port (1 = a single process); a primary process supervises them',
  },
  {
    key: 'shutdownTimeout',
    flag: 'shutdown-timeout',
    env: 'GOMODPROXY_SHUTDOWN_TIMEOUT',
    default: '30s',
    help: 'how long SIGTERM waits for in-flight responses',
  },
];

export const CONFIG_FLAG = { flag: 'config', env: 'GOMODPROXY_CONFIG', help: 'YAML configuration file' };
