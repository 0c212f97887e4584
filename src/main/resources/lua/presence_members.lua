-- Sweeps the replicas whose heartbeat lapsed, then lists the scope's users, atomically.
-- KEYS[1] counts, KEYS[2] info, KEYS[3] replicas (as in presence_add.lua); ARGV[1] now (ms), ARGV[2] most users to
-- list, ARGV[3] the prefix of every replica's conns key in this scope (conns key = prefix .. replica id).
-- Returns { users that left with a lapsed replica, number of users, up to ARGV[2] user ids, the info of each listed
-- user ('' when it gave none) }.
local left = {}
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, replica in ipairs(lapsed) do
  local conns = ARGV[3] .. replica
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
local count = redis.call('HLEN', KEYS[1])
local listed = {}
local infos = {}
local limit = tonumber(ARGV[2])
if limit > 0 and count > 0 then
  local cursor = '0'
  repeat
    local page = redis.call('HSCAN', KEYS[1], cursor, 'COUNT', 1000)
    cursor = page[1]
    for i = 1, #page[2], 2 do
      if #listed < limit then
        listed[#listed + 1] = page[2][i]
      end
    end
  until cursor == '0' or #listed >= limit
  if #listed > 0 and redis.call('EXISTS', KEYS[2]) == 1 then
    local values = redis.call('HMGET', KEYS[2], unpack(listed))
    for i = 1, #listed do
      infos[i] = values[i] or ''
    end
  end
end
return { left, count, listed, infos }
