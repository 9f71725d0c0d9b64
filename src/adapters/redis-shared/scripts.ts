/**
 * The Lua behind every store primitive that needs more than one command. Redis runs a
 * script to completion before serving anyone else, which is what makes these atomic.
 *
 * Scripts build session keys from set members (`ARGV[1] .. id`) instead of receiving them
 * in KEYS: the ids are only known inside the script. Fine on a single Redis and on Upstash;
 * a Redis Cluster would refuse it (not supported).
 */
import { luaScript, type LuaScript } from "./executor.js";

/**
 * KEYS[1] session hash, KEYS[2] user index set; ARGV[1] id, ARGV[2] TTL (ms),
 * ARGV[3..] field/value pairs. 0 when the id exists: a session is never overwritten.
 * The index lives as long as its longest-lived session.
 */
export const CREATE_SESSION: LuaScript = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[2]) then
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
return 1
`);

/** KEYS[1] session hash; ARGV[1] idleExpiresAt (ms). A plain HSET would recreate a deleted session. */
export const TOUCH_SESSION: LuaScript = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'idleExpiresAt', ARGV[1])
return 1
`);

/** KEYS[1] session hash; ARGV[1] user index key prefix, ARGV[2] id. Removes the hash and its index entry. */
export const DELETE_SESSION: LuaScript = luaScript(`
local userId = redis.call('HGET', KEYS[1], 'userId')
if not userId then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. userId, ARGV[2])
return 1
`);

/**
 * KEYS[1] user index; ARGV[1] session key prefix, ARGV[2] userId. Returns a flat
 * { id, {field, value, ...}, ... }. Index entries whose session is gone (expired by its
 * TTL) or now belongs to someone else (an id reused after expiry) are dropped on the way.
 */
export const LIST_SESSIONS: LuaScript = luaScript(`
local found = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local fields = redis.call('HGETALL', ARGV[1] .. id)
  local owner = nil
  for i = 1, #fields, 2 do
    if fields[i] == 'userId' then owner = fields[i + 1] end
  end
  if owner == ARGV[2] then
    found[#found + 1] = id
    found[#found + 1] = fields
  else
    redis.call('SREM', KEYS[1], id)
  end
end
return found
`);

/** KEYS[1] user index; ARGV[1] session key prefix, ARGV[2] userId. All of the user's sessions go in one step. */
export const DELETE_USER_SESSIONS: LuaScript = luaScript(`
local ids = redis.call('SMEMBERS', KEYS[1])
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  if redis.call('HGET', key, 'userId') == ARGV[2] then redis.call('DEL', key) end
end
redis.call('DEL', KEYS[1])
return #ids
`);

/**
 * KEYS[1] counter; ARGV[1] window (ms). The TTL is set only when the key has none, so the
 * window is fixed at the first increment. PTTL < 0 rather than PEXPIRE NX (Redis >= 7):
 * same effect, and it also runs on Redis 6 and on any Upstash version.
 */
export const INCREMENT_COUNTER: LuaScript = luaScript(`
local value = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return value
`);
