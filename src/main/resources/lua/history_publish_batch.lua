-- history_publish.lua for several messages in one call: appends each to its stream's bounded history and publishes it,
-- in the order given, each message atomically as in history_publish.lua (the whole call is one script, so Redis reads
-- one command, sends one reply, and the pub/sub pushes of all the messages leave in one write per subscriber).
-- Each message has its own outcome: a command that fails for one (a key of the wrong type, an entry id the stream
-- refuses, Redis out of memory) fails that message alone, having written nothing of it (as history_publish.lua, it
-- reads before it writes and adds the entry before the meta counts it, so it takes no offset), and the others go on.
-- Not for Redis Cluster: the keys of different streams are in different hash slots (RedisHistory sends one message
-- per call there).
-- KEYS, per message i (from 0): KEYS[2i+1] stream, KEYS[2i+2] meta (as in history_publish.lua)
-- ARGV[1] max length (MAXLEN ~), ARGV[2] history TTL (s), ARGV[3] publish command: 'publish' or 'spublish'
-- ARGV, per message i (from 0), from a = 4 + 4i: ARGV[a] channel, ARGV[a+1] envelope up to its position,
-- ARGV[a+2] envelope after its position, ARGV[a+3] epoch to use if the stream has none
-- Returns { offset1, epoch1, offset2, epoch2, ... }, one pair per message, in order; a message that failed has offset 0
-- and, instead of its epoch, the error (offsets start at 1).
local expired = {}

-- A command of one message: its reply, or an error that ends that message's append (raised for the pcall below).
local function call(...)
  local reply = redis.pcall(...)
  if type(reply) == 'table' and reply.err then
    error(reply.err, 0)
  end
  return reply
end

-- Appends and publishes one message, as history_publish.lua does; returns its offset and epoch. The steps after XADD
-- fail only if Redis itself does (the keys' types are known by then).
local function append(stream, meta, channel, before, after, newEpoch)
  local known = call('HMGET', meta, 'e', 's')
  local epoch = known[1]
  local offset = 1
  if epoch then
    offset = tonumber(known[2] or '0') + 1
  else
    epoch = newEpoch
    -- a stream without its meta holds a lost epoch's history, which no read returns: the new epoch begins it afresh
    if call('TYPE', stream).ok == 'stream' then
      call('DEL', stream)
    end
  end
  local envelope = before .. offset .. ':' .. epoch .. after
  call('XADD', stream, 'MAXLEN', '~', ARGV[1], offset .. '-0', 'd', envelope)
  call('HSET', meta, 'e', epoch, 's', offset)
  if not expired[stream] then
    call('EXPIRE', stream, ARGV[2])
    call('EXPIRE', meta, ARGV[2] * 2)
    expired[stream] = true
  end
  call(ARGV[3], channel, envelope)
  return offset, epoch
end

local result = {}
for i = 0, #KEYS / 2 - 1 do
  local a = 4 + 4 * i
  local appended, offset, epoch = pcall(append, KEYS[2 * i + 1], KEYS[2 * i + 2], ARGV[a], ARGV[a + 1], ARGV[a + 2],
    ARGV[a + 3])
  if appended then
    result[2 * i + 1] = offset
    result[2 * i + 2] = epoch
  else
    result[2 * i + 1] = 0
    result[2 * i + 2] = tostring(offset) -- the error
  end
end
return result
