-- Reads a page of a stream's history after a position, and says whether history still reaches back to it.
-- A stream without an epoch (new, or its history lost) gets one here, so every position a client holds is exact.
-- KEYS[1] stream, KEYS[2] meta (HASH: s = last offset, e = epoch)
-- ARGV[1] offset already seen (-1: only the current position), ARGV[2] its epoch, ARGV[3] most entries to return,
-- ARGV[4] epoch to give a stream that has none, ARGV[5] TTL (s) of a meta hash created here
-- Returns { recoverable (1/0), top offset, epoch, frame, frame, ... } with the frames after ARGV[1], in order.
local epoch = redis.call('HGET', KEYS[2], 'e')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', KEYS[2], 'e', epoch, 's', 0)
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
local top = tonumber(redis.call('HGET', KEYS[2], 's'))
local after = tonumber(ARGV[1])
if after < 0 then
  return { 1, top, epoch }
end
if epoch ~= ARGV[2] or after > top then
  return { 0, top, epoch }
end
local reply = { 1, top, epoch }
if after == top then
  return reply
end
local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #oldest == 0 or tonumber(string.match(oldest[1][1], '^(%d+)')) > after + 1 then
  return { 0, top, epoch }
end
local entries = redis.call('XRANGE', KEYS[1], (after + 1) .. '-0', '+', 'COUNT', ARGV[3])
for _, entry in ipairs(entries) do
  reply[#reply + 1] = entry[2][2]
end
return reply
