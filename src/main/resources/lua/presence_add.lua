-- Adds connections to a presence scope, or refreshes them, atomically.
-- KEYS[1] conns  (ZSET connection id -> expiry, ms)
-- KEYS[2] users  (HASH connection id -> user id)
-- KEYS[3] counts (HASH user id -> number of its connections in the scope)
-- KEYS[4] info   (HASH user id -> what the user said about itself, JSON; only users that said something)
-- ARGV[1] expiry (ms), ARGV[2] key TTL (s), then triples: connection id, user id, info ('' for none)
-- Returns {the users that became present (their first connection in the scope), how many users are present now}.
local joined = {}
for i = 3, #ARGV, 3 do
  local conn, user, info = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('ZADD', KEYS[1], ARGV[1], conn) == 1 then
    redis.call('HSET', KEYS[2], conn, user)
    if redis.call('HINCRBY', KEYS[3], user, 1) == 1 then
      joined[#joined + 1] = user
    end
  end
  if info ~= '' then
    redis.call('HSET', KEYS[4], user, info)
  end
end
for i = 1, 4 do
  redis.call('EXPIRE', KEYS[i], ARGV[2])
end
return {joined, redis.call('HLEN', KEYS[3])}
