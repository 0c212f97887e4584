-- One replica's heartbeat in one presence scope, whatever its number of connections there: renews the replica's
-- entry and the scope's keys, then sweeps the replicas whose heartbeat lapsed (they died without saying goodbye).
-- KEYS as in presence_add.lua; ARGV[1] this replica's id, ARGV[2] heartbeat expiry (ms), ARGV[3] key TTL (ms),
-- ARGV[4] now (ms), ARGV[5] the prefix of every replica's conns key in this scope (conns key = prefix .. replica id),
-- ARGV[6] how many connections this replica may have recorded here (those it has, and those whose removal is on its
-- way).
-- Returns {how many of this replica's connections the scope holds (fewer than the replica has: Redis lost them, or an
-- add failed, and the replica adds them again), the users that left with a lapsed replica, how many users are
-- present now}, and a fourth element when the scope holds more than ARGV[6] of them (a removal failed, and Redis
-- came back with the connection, or never heard of its close): the ids of this replica's connections recorded here,
-- for the replica to remove those it no longer has.
local recorded = redis.call('HLEN', KEYS[4])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
local left = {}
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[4], 'LIMIT', 0, 100)
for _, replica in ipairs(lapsed) do
  local conns = ARGV[5] .. replica
  local entries = redis.call('HGETALL', conns)
  for i = 2, #entries, 2 do
    local user = entries[i]
    if redis.call('HINCRBY', KEYS[1], user, -1) <= 0 then
      redis.call('HDEL', KEYS[1], user)
      redis.call('HDEL', KEYS[2], user)
      left[#left + 1] = user
    end
  end
  redis.call('DEL', conns)
  redis.call('ZREM', KEYS[3], replica)
end
for i = 1, 4 do
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
if recorded > tonumber(ARGV[6]) then
  return {recorded, left, redis.call('HLEN', KEYS[1]), redis.call('HKEYS', KEYS[4])}
end
return {recorded, left, redis.call('HLEN', KEYS[1])}
