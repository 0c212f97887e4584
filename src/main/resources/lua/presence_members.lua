-- Expires the connections whose heartbeat stopped, then lists the scope's users, atomically.
-- KEYS as in presence_add.lua; ARGV[1] now (ms), ARGV[2] most users to list.
-- Returns { users that left by expiry, number of users, up to ARGV[2] user ids, the info of each listed user
-- ('' when it gave none) }.
local left = {}
local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 10000)
for _, conn in ipairs(expired) do
  redis.call('ZREM', KEYS[1], conn)
  local user = redis.call('HGET', KEYS[2], conn)
  redis.call('HDEL', KEYS[2], conn)
  if user and redis.call('HINCRBY', KEYS[3], user, -1) <= 0 then
    redis.call('HDEL', KEYS[3], user)
    redis.call('HDEL', KEYS[4], user)
    left[#left + 1] = user
  end
end
local count = redis.call('HLEN', KEYS[3])
local listed = {}
local infos = {}
local limit = tonumber(ARGV[2])
if limit > 0 and count > 0 then
  local cursor = '0'
  repeat
    local page = redis.call('HSCAN', KEYS[3], cursor, 'COUNT', 1000)
    cursor = page[1]
    for i = 1, #page[2], 2 do
      if #listed < limit then
        listed[#listed + 1] = page[2][i]
      end
    end
  until cursor == '0' or #listed >= limit
  if #listed > 0 and redis.call('EXISTS', KEYS[4]) == 1 then
    local values = redis.call('HMGET', KEYS[4], unpack(listed))
    for i = 1, #listed do
      infos[i] = values[i] or ''
    end
  end
end
return { left, count, listed, infos }
