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
  { key: 'listen', flag: 'listen', env: 'GOMODPROXY_LISTEN', default: ':3000', help: 'address to listen on, HOST:PORT or :PORT' },
  { key: 'data', flag: 'data', env: 'GOMODPROXY_DATA', default: './data', help: 'data directory (cache, temp files)' },
  { key: 'upstream', flag: 'upstream', env: 'GOMODPROXY_UPSTREAM', default: 'https://proxy.golang.org', help: 'upstream list in GOPROXY syntax (`,` falls through on 404/410, `|` on any error; direct, off)' },
  { key: 'private', flag: 'private', env: 'GOMODPROXY_PRIVATE', default: '', help: 'private module path globs in GOPRIVATE syntax: never sent to public upstreams, redacted in logs' },
  { key: 'privateUpstream', flag: 'private-upstream', env: 'GOMODPROXY_PRIVATE_UPSTREAM', default: 'direct', help: 'upstream list used for private modules instead of --upstream' },
  { key: 'sumdb', flag: 'sumdb', env: 'GOMODPROXY_SUMDB', repeatable: true, default: 'sum.golang.org', help: "checksum database in GOSUMDB syntax 'NAME+KEY [URL]' or off (repeatable; env: separate with ;)" },
  { key: 'cache.listTTL', flag: 'list-ttl', env: 'GOMODPROXY_LIST_TTL', default: '1m', help: 'how long @v/list, @latest and queries are fresh' },
  { key: 'cache.negativeTTL', flag: 'negative-ttl', env: 'GOMODPROXY_NEGATIVE_TTL', default: '30s', help: 'how long a not-found answer is remembered' },
  { key: 'cache.memory', flag: 'memory-cache', env: 'GOMODPROXY_MEMORY_CACHE', default: '64MiB', help: 'in-memory cache for small metadata' },
  { key: 'http.connectTimeout', flag: 'connect-timeout', env: 'GOMODPROXY_CONNECT_TIMEOUT', default: '5s', help: 'upstream connect timeout' },
  { key: 'http.firstByteTimeout', flag: 'first-byte-timeout', env: 'GOMODPROXY_FIRST_BYTE_TIMEOUT', default: '30s', help: 'upstream time to response headers' },
  { key: 'http.idleTimeout', flag: 'idle-timeout', env: 'GOMODPROXY_IDLE_TIMEOUT', default: '60s', help: 'upstream body idle timeout' },
  { key: 'http.retries', flag: 'retries', env: 'GOMODPROXY_RETRIES', default: '2', help: 'retries for network errors and 5xx answers' },
  { key: 'http.retryBackoff', flag: 'retry-backoff', env: 'GOMODPROXY_RETRY_BACKOFF', default: '200ms', help: 'first retry delay (doubles each retry)' },
  { key: 'http.breakerThreshold', flag: 'breaker-threshold', env: 'GOMODPROXY_BREAKER_THRESHOLD', default: '5', help: 'consecutive failures that open an upstream circuit' },
  { key: 'http.breakerCooldown', flag: 'breaker-cooldown', env: 'GOMODPROXY_BREAKER_COOLDOWN', default: '30s', help: 'how long an open circuit skips its upstream' },
  { key: 'log.level', flag: 'log-level', env: 'GOMODPROXY_LOG_LEVEL', default: 'info', help: 'trace, debug, info, warn, error or silent' },
  { key: 'shutdownTimeout', flag: 'shutdown-timeout', env: 'GOMODPROXY_SHUTDOWN_TIMEOUT', default: '30s', help: 'how long SIGTERM waits for in-flight responses' },
];

export const CONFIG_FLAG = { flag: 'config', env: 'GOMODPROXY_CONFIG', help: 'YAML configuration file' };
