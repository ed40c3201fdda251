// Reads a coordinator URL `redis://[USER:PASS@]HOST[:PORT][/DB]` (or `rediss://` for TLS) into connection
// settings and a name for logs and /readyz that never carries the credentials.
import { isIP } from 'node:net';
import { gmpError } from '../errors.js';

export interface RedisTarget {
  /** `redis://HOST:PORT/DB`: no user, no password. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** For rediss://: the server name to verify (SNI), unless the host is an IP address. */
  readonly tls?: { servername?: string };
}

export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // The text may hold a password: say only what is expected.
    throw gmpError('GMP_ERR_CONFIG', 'coordinator: not a URL (expected redis://[USER:PASS@]HOST[:PORT][/DB])');
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw gmpError('GMP_ERR_CONFIG', `coordinator: unsupported scheme ${u.protocol} (expected redis: or rediss:)`);
  }
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port === '' ? 6379 : Number(u.port);
  const where = `${u.protocol}//${u.hostname === '' ? '?' : u.hostname}:${port}`;
  if (host === '') throw gmpError('GMP_ERR_CONFIG', `coordinator ${where}: the URL names no host`);
  if (u.search !== '' || u.hash !== '') {
    throw gmpError('GMP_ERR_CONFIG', `coordinator ${where}: query parameters and fragments are not supported`);
  }
  const dbText = u.pathname.replace(/^\//, '');
  if (!/^\d{0,5}$/.test(dbText)) throw gmpError('GMP_ERR_CONFIG', `coordinator ${where}: the database must be a number (/0, /1, ...)`);
  const db = dbText === '' ? 0 : Number(dbText);
  const username = u.username === '' ? undefined : decode(u.username, where);
  const password = u.password === '' ? undefined : decode(u.password, where);
  return {
    name: `${where}/${db}`,
    host,
    port,
    db,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(u.protocol === 'rediss:' ? { tls: isIP(host) === 0 ? { servername: host } : {} } : {}),
  };
}

function decode(text: string, where: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw gmpError('GMP_ERR_CONFIG', `coordinator ${where}: the user or password is not valid percent-encoding`);
  }
}
