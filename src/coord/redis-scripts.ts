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
 * KEYS: lease, fence counter; ARGV: ttl ms. The token (a string) or nil when the lease is held.
 * Like SET NX PX, but a refused acquire takes no token. A counter that is new (or was lost with the data)
 * starts from the server's clock in µs, so tokens stay above any handed out before, as local.ts does.
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
return token
`);

/** KEYS: lease; ARGV: token, ttl ms. 1 when the token still holds the lease (now with a fresh TTL). */
export const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/** KEYS: lease; ARGV: token. Deletes the lease only for its own token (a stale holder changes nothing). */
export const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** KEYS: lease. {token, remaining ms} of the unexpired holder, or nil. */
export const HOLDER = new LuaScript(`
local token = redis.call('GET', KEYS[1])
if not token then return false end
return {token, redis.call('PTTL', KEYS[1])}
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
