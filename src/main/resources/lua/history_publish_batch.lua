-- history_publish.lua for several messages in one call: appends each to its stream's bounded history and publishes it,
-- in the order given, each message atomically as in history_publish.lua (the whole call is one script, so Redis reads
-- one command, sends one reply, and the pub/sub pushes of all the messages leave in one write per subscriber).
-- Not for Redis Cluster: the keys of different streams are in different hash slots (RedisHistory sends one message
-- per call there).
-- KEYS, per message i (from 0): KEYS[2i+1] stream, KEYS[2i+2] meta (as in history_publish.lua)
-- ARGV[1] max length (MAXLEN ~), ARGV[2] history TTL (s), ARGV[3] publish command: 'publish' or 'spublish'
-- ARGV, per message i (from 0), from a = 4 + 4i: ARGV[a] channel, ARGV[a+1] envelope up to its position,
-- ARGV[a+2] envelope after its position, ARGV[a+3] epoch to use if the stream has none
-- Returns { offset1, epoch1, offset2, epoch2, ... }, one pair per message, in order.
local result = {}
local expired = {}
for i = 0, #KEYS / 2 - 1 do
  local stream = KEYS[2 * i + 1]
  local meta = KEYS[2 * i + 2]
  local a = 4 + 4 * i
  local epoch = redis.call('HGET', meta, 'e')
  if not epoch then
    epoch = ARGV[a + 3]
    redis.call('HSET', meta, 'e', epoch)
  end
  local offset = redis.call('HINCRBY', meta, 's', 1)
  local envelope = ARGV[a + 1] .. offset .. ':' .. epoch .. ARGV[a + 2]
  redis.call('XADD', stream, 'MAXLEN', '~', ARGV[1], offset .. '-0', 'd', envelope)
  if not expired[stream] then
    expired[stream] = true
    redis.call('EXPIRE', stream, ARGV[2])
    redis.call('EXPIRE', meta, ARGV[2] * 2)
  end
  redis.call(ARGV[3], ARGV[a], envelope)
  result[2 * i + 1] = offset
  result[2 * i + 2] = epoch
end
return result
