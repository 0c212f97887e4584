-- Adds connections of one replica to a presence scope, atomically.
-- Keys of a scope (one hash tag, so one Redis Cluster slot):
-- KEYS[1] counts   (HASH user id -> number of its connections in the scope, all replicas)
-- KEYS[2] info     (HASH user id -> what the user said about itself, JSON; only users that said something)
-- KEYS[3] replicas (ZSET replica id -> heartbeat expiry, ms: the replicas with connections in the scope)
-- KEYS[4] conns    (HASH connection id -> user id: this replica's connections in the scope)
-- ARGV[1] this replica's id, ARGV[2] heartbeat expiry (ms), ARGV[3] key TTL (ms),
-- then triples: connection id, user id, info ('' for none)
-- Returns {the users that became present (their first connection in the scope), how many users are present now}.
local joined = {}
for i = 4, #ARGV, 3 do
  local conn, user, info = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HSETNX', KEYS[4], conn, user) == 1 then
    if redis.call('HINCRBY', KEYS[1], user, 1) == 1 then
      joined[#joined + 1] = user
    end
  end
  if info ~= '' then
    redis.call('HSET', KEYS[2], user, info)
  end
end
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
for i = 1, 4 do
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return {joined, redis.call('HLEN', KEYS[1])}
