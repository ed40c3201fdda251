// Defaults that commands other than serve need too, without loading the config schema (and zod) to get them.

/** Loopback by default: listening on all interfaces publishes an open proxy, so it must be asked for. */
export const DEFAULT_LISTEN = '127.0.0.1:3000';
/** Where the client commands (env, publish) find a gomodproxy by default: one serve started with its defaults. */
export const DEFAULT_PROXY_URL = `http://${DEFAULT_LISTEN}`;
