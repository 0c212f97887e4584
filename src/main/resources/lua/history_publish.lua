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
local epoch = redis.call('HGET', KEYS[2], 'e')
if not epoch then
  epoch = ARGV[6]
  redis.call('HSET', KEYS[2], 'e', epoch)
end
local offset = redis.call('HINCRBY', KEYS[2], 's', 1)
local envelope = ARGV[2] .. offset .. ':' .. epoch .. ARGV[3]
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], offset .. '-0', 'd', envelope)
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5] * 2)
redis.call(ARGV[7], ARGV[1], envelope)
return { offset, epoch }
