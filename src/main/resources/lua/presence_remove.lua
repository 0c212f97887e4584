-- Removes one connection of this replica from a presence scope, atomically.
-- KEYS as in presence_add.lua; ARGV[1] connection id.
-- Returns {the user if that was its last connection in the scope (it left), else '', how many users are present now}.
local user = redis.call('HGET', KEYS[4], ARGV[1])
if not user then
  return {'', redis.call('HLEN', KEYS[1])}
end
redis.call('HDEL', KEYS[4], ARGV[1])
if redis.call('HINCRBY', KEYS[1], user, -1) <= 0 then
  redis.call('HDEL', KEYS[1], user)
  redis.call('HDEL', KEYS[2], user)
  return {user, redis.call('HLEN', KEYS[1])}
end
return {'', redis.call('HLEN', KEYS[1])}
