// The Lua scripts of the Redis coordinator: each check-then-change runs inside Redis as one atomic step,
// sent as EVALSHA and, when the server does not know the script yet (NOSCRIPT: restarted, flushed), as EVAL.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export class LuaScript {
  readonly sha: string;
  constructor(readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // NOSCRIPT means it did not run at all, so sending it again cannot apply it twice.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Each owner's leases are also listed in a hash of its own (lease name → token), so that releaseOwner finds
 * them without scanning the keyspace. The hash lives at least as long as the longest lease it lists: acquire
 * and renew push its expiry out, never in. An entry whose lease lapsed, or went to another with a new token,
 * is stale and ignored.
 */
/**
 * KEYS: lease, fence counter, owner's hash; ARGV: ttl ms, lease name. The token (a string) or nil when the
 * lease is held. Like SET NX PX, but a refused acquire takes no token. A counter that is new (or was lost with
 * the data) starts from the server's clock in µs, so tokens stay above any handed out before, as local.ts does.
 */
export const ACQUIRE = new LuaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local t = redis.call('INCR', KEYS[2])
if t == 1 then
  local now = redis.call('TIME')
  t = tonumber(now[1]) * 1000000 + tonumber(now[2])
  redis.call('SET', KEYS[2], string.format('%.0f', t))
end
local token = string.format('%.0f', t)
redis.call('SET', KEYS[1], token, 'PX', ARGV[1])
redis.call('HSET', KEYS[3], ARGV[2], token)
if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[3], ARGV[1]) end
return token
`);

/**
 * KEYS: lease, owner's hash; ARGV: token, ttl ms, lease name. 1 when the token still holds the lease (now with a
 * fresh TTL). The owner's hash is pushed out only when it lists this lease under this token.
 */
export const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if redis.call('HGET', KEYS[2], ARGV[3]) == ARGV[1] then
  if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[2], ARGV[2]) end
end
return 1
`);

/**
 * KEYS: lease, owner's hash; ARGV: token, lease name. Deletes the lease only for its own token (a stale holder
 * changes nothing), and the owner's entry for that token whether or not the lease was still held.
 */
export const RELEASE = new LuaScript(`
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** KEYS: lease. {token, remaining ms} of the unexpired holder, or nil. */
export const HOLDER = new LuaScript(`
local token = redis.call('GET', KEYS[1])
if not token then return false end
return {token, redis.call('PTTL', KEYS[1])}
`);

/**
 * KEYS: owner's hash; ARGV: the prefix of lease keys. Deletes each lease the hash lists that still holds the
 * token listed (not one another took over since), then the hash; returns how many leases it deleted. The lease
 * keys are made here from their names, which the scripts can do on one server (no Cluster, see redis.ts).
 */
export const RELEASE_OWNER = new LuaScript(`
local n = 0
local listed = redis.call('HGETALL', KEYS[1])
for i = 1, #listed, 2 do
  local lease = ARGV[1] .. listed[i]
  if redis.call('GET', lease) == listed[i + 1] then
    redis.call('DEL', lease)
    n = n + 1
  end
end
redis.call('DEL', KEYS[1])
return n
`);

/** KEYS: value; ARGV: '1' when a value is expected (else absence is), expected, next. 1 when set. */
export const CAS = new LuaScript(`
local cur = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if cur ~= ARGV[2] then return 0 end
elseif cur then
  return 0
end
redis.call('SET', KEYS[1], ARGV[3])
return 1
`);

/** KEYS: value; ARGV: expected. 1 when it held expected and is now gone. */
export const CAS_DELETE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`);
