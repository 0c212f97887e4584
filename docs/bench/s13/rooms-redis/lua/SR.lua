-- Appends a message to a stream's bounded history and publishes it, atomically: no live message is missing from
-- history, and nothing is in history that was not published.
-- KEYS[1] stream (Redis Stream; entry id = offset), KEYS[2] meta (HASH: s = last offset, e = epoch)
-- ARGV[1] channel, ARGV[2] envelope up to its position ('#1|'), ARGV[3] envelope after its position ('|r|...\n{...}'):
-- the envelope of docs/backplane.md, whose position this script writes as '<offset>:<epoch>'; the client frame inside
-- is not read here.
-- ARGV[4] max length: trimmed approximately ('MAXLEN ~': whole stream nodes at a time, much cheaper than an exact
-- trim), so the stream holds at least that many and a node's worth more at most; history_read.lua reads only the
-- last ARGV[4] of them, so what a client can read is exact. ARGV[5] history TTL (s), ARGV[6] epoch to use if the stream has none (new, or history lost),
-- ARGV[7] publish command: 'publish' or 'spublish' (Redis Cluster)
-- Returns { offset, epoch }.
-- Reads before it writes, and adds the entry before the meta counts it: a command that fails (a key of the wrong type,
-- an entry id the stream refuses, Redis out of memory) fails the script having written nothing, so a failed message
-- takes no offset. history_publish_batch.lua does the same steps for each of its messages.
local known = redis.call('HMGET', KEYS[2], 'e', 's', 'x')
local epoch = known[1]
local offset = 1
if epoch then
  offset = tonumber(known[2] or '0') + 1
else
  epoch = ARGV[6]
  -- A stream without its meta (evicted, deleted) holds the history of a lost epoch, which no read returns
  -- (history_read.lua reads nothing without the meta): the new epoch begins with an empty stream.
  if redis.call('TYPE', KEYS[1]).ok == 'stream' then
    redis.call('DEL', KEYS[1])
  end
end
local envelope = ARGV[2] .. offset .. ':' .. epoch .. ARGV[3]
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], offset .. '-0', 'd', envelope)
local now = tonumber(ARGV[8])
local refreshed = tonumber(known[3] or '')
local every = math.max(1, math.floor(ARGV[5] / 4))
if refreshed == nil or now < refreshed or now - refreshed >= every then
  redis.call('HSET', KEYS[2], 'e', epoch, 's', offset, 'x', now)
  redis.call('EXPIRE', KEYS[1], ARGV[5] + every)
  redis.call('EXPIRE', KEYS[2], ARGV[5] * 2 + every)
else
  redis.call('HSET', KEYS[2], 'e', epoch, 's', offset)
end
redis.call(ARGV[7], ARGV[1], envelope)
return { offset, epoch }
