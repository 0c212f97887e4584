-- Removes one connection from a presence scope, atomically.
-- KEYS as in presence_add.lua; ARGV[1] connection id.
-- Returns {the user if that was its last connection in the scope (it left), else '', how many users are present now}.
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 then
  return {'', redis.call('HLEN', KEYS[3])}
end
local user = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if user and redis.call('HINCRBY', KEYS[3], user, -1) <= 0 then
  redis.call('HDEL', KEYS[3], user)
  redis.call('HDEL', KEYS[4], user)
  return {user, redis.call('HLEN', KEYS[3])}
end
return {'', redis.call('HLEN', KEYS[3])}
