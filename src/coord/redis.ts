// The coordinator on Redis (`--coordinator redis://…`): a lease is a key holding its fencing token with a
// server-side expiry (PX), a value is a key without one, and every check-then-change is a Lua script.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { gmpError } from '../errors.js';
import type { Coordinator, Lease } from './coordinator.js';
import { checkName, nameFor } from './coordinator.js';
import { ACQUIRE, CAS, CAS_DELETE, HOLDER, RELEASE, RELEASE_OWNER, RENEW } from './redis-scripts.js';
import { parseRedisUrl } from './redis-url.js';

export interface RedisCoordinatorOptions {
  /** Put before every key, so that one Redis can serve several deployments (default `gomodproxy:`). */
  readonly prefix?: string;
  /** How long one connection attempt may take (default 2 s); attempts repeat in the background. */
  readonly connectTimeoutMs?: number;
  /** How long one command may take before the call fails (default 5 s). */
  readonly commandTimeoutMs?: number;
  /** Whose leases this client's are, for releaseOwner (default host:pid:random; a worker gets its own from its primary). */
  readonly owner?: string;
}

/**
 * Connects to `redis://[USER:PASS@]HOST[:PORT][/DB]` (or `rediss://`). It waits for the first connection
 * attempt only: an unreachable server makes calls fail with GMP_ERR_COORDINATOR_UNAVAILABLE (callers
 * degrade) while the client keeps reconnecting, so a replica can start before its Redis.
 * The server must keep what it acknowledged: persistence on (appendonly), `maxmemory-policy noeviction`
 * (an evicted lease lets two hold it; an evicted tree head loses rollback protection), one primary (the
 * lease and the fence counter are two keys, so no Cluster; a failover to a lagging replica repeats tokens).
 */
export async function openRedisCoordinator(url: string, options: RedisCoordinatorOptions = {}): Promise<RedisCoordinator> {
  const t = parseRedisUrl(url);
  const redis = new Redis({
    host: t.host,
    port: t.port,
    db: t.db,
    ...(t.username === undefined ? {} : { username: t.username }),
    ...(t.password === undefined ? {} : { password: t.password }),
    ...(t.tls === undefined ? {} : { tls: t.tls }),
    connectionName: 'gomodproxy',
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 5000,
    keepAlive: 15_000,
    // Fail at once while disconnected instead of queueing; never send a command twice (a repeated
    // acquire or compare-and-set whose first reply was lost would answer wrongly).
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt - 1, 4), 1000),
  });
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const coord = new RedisCoordinator(redis, t.name, options.prefix ?? 'gomodproxy:', t.password, owner);
  await redis.connect().catch(() => undefined);
  return coord;
}

export class RedisCoordinator implements Coordinator {
  /** The last connection failure, to say why a call failed while disconnected. */
  private lastError: string | undefined;
  private closed = false;

  constructor(
    private readonly redis: Redis,
    readonly name: string,
    private readonly prefix: string,
    private readonly secret: string | undefined,
    /** Whose leases this client acquires. */
    private readonly owner: string,
  ) {
    // Without a listener ioredis prints every connection error to the console.
    redis.on('error', (err: Error) => {
      // ioredis also reports its own handshake commands refused for want of a connection: not news.
      if (!err.message.includes('enableOfflineQueue')) this.lastError = err.message;
    });
    redis.on('close', () => {
      this.lastError ??= 'connection closed';
    });
    redis.on('ready', () => {
      this.lastError = undefined;
    });
  }

  async acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    const key = this.key('lease:', name);
    return this.call('acquire', async () => {
      // The server's expiry starts after this moment, so the holder's view errs on the early side.
      const t0 = Date.now();
      const token = await ACQUIRE.run(this.redis, [key, `${this.prefix}fence`, this.ownerKey(this.owner)], [px(ttlMs), name]);
      return token === null ? undefined : { name, token: Number(token), expiresAt: t0 + ttlMs };
    });
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const key = this.key('lease:', lease.name);
    return this.call('renew', async () => {
      const t0 = Date.now();
      const ok = await RENEW.run(this.redis, [key, this.ownerKey(this.owner)], [String(lease.token), px(ttlMs), lease.name]);
      return ok === 1 ? { name: lease.name, token: lease.token, expiresAt: t0 + ttlMs } : undefined;
    });
  }

  async release(lease: Lease): Promise<void> {
    const key = this.key('lease:', lease.name);
    await this.call('release', () => RELEASE.run(this.redis, [key, this.ownerKey(this.owner)], [String(lease.token), lease.name]));
  }

  async releaseOwner(owner: string): Promise<number> {
    const key = this.ownerKey(owner);
    return this.call('release owner', async () => Number(await RELEASE_OWNER.run(this.redis, [key], [`${this.prefix}lease:`])));
  }

  async holder(name: string): Promise<Lease | undefined> {
    const key = this.key('lease:', name);
    return this.call('holder', async () => {
      const t0 = Date.now();
      const got = (await HOLDER.run(this.redis, [key], [])) as [string, number] | null;
      if (got === null) return undefined;
      return { name, token: Number(got[0]), expiresAt: t0 + Math.max(0, got[1]) };
    });
  }

  async get(key: string): Promise<string | undefined> {
    const k = this.key('value:', key);
    return this.call('get', async () => (await this.redis.get(k)) ?? undefined);
  }

  async cas(key: string, expected: string | undefined, next: string): Promise<boolean> {
    const k = this.key('value:', key);
    const args = expected === undefined ? ['0', '', next] : ['1', expected, next];
    return this.call('compare-and-set', async () => (await CAS.run(this.redis, [k], args)) === 1);
  }

  async casDelete(key: string, expected: string): Promise<boolean> {
    const k = this.key('value:', key);
    return this.call('compare-and-delete', async () => (await CAS_DELETE.run(this.redis, [k], [expected])) === 1);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => undefined);
    this.redis.disconnect();
  }

  /** The hash listing an owner's leases (any text as an owner: it is made a valid name). */
  private ownerKey(owner: string): string {
    return `${this.prefix}owner:${nameFor(owner)}`;
  }

  private key(kind: string, name: string): string {
    return `${this.prefix}${kind}${checkName(name)}`;
  }

  /** Every failure of the server or the connection is the one "unavailable" error callers degrade on. */
  private async call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const detail = this.closed ? 'closed' : this.redis.status === 'ready' ? reason : `not connected (${this.lastError ?? this.redis.status})`;
      throw gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', this.redact(`Redis coordinator ${this.name}: ${what} failed: ${detail}`));
    }
  }

  /** Redis and ioredis never echo the password, but a message must not carry it even if one did. */
  private redact(text: string): string {
    return this.secret === undefined ? text : text.replaceAll(this.secret, '***');
  }
}

/** PX takes a whole positive number of milliseconds. */
function px(ttlMs: number): number {
  return Math.max(1, Math.ceil(ttlMs));
}
