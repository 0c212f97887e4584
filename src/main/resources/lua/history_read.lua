-- Reads a page of a stream's history after a position, and says whether history still reaches back to it.
-- Creates no key: a stream that does not exist is at offset 0 of the empty epoch ''.
-- KEYS[1] stream, KEYS[2] meta (HASH: s = last offset, e = epoch)
-- ARGV[1] offset already seen (-1: only the current position), ARGV[2] its epoch, ARGV[3] most entries to return,
-- ARGV[4] the history's max length: only the last ARGV[4] offsets are history (history_publish.lua trims the stream
-- approximately, so it may hold a few more; they are not read)
-- Returns { code, top offset, epoch, envelope, envelope, ... } (entries as history_publish.lua stored them):
--   code 1: history reaches back to ARGV[1]; the envelopes follow it, in order;
--   code 2: ARGV[2] is another epoch (the history it named was lost), but the current epoch is complete from its
--           first message: the envelopes replay it from offset 1;
--   code 0: history does not reach back; no envelopes.
local epoch = redis.call('HGET', KEYS[2], 'e')
local top = 0
if epoch then
  top = tonumber(redis.call('HGET', KEYS[2], 's') or '0')
else
  epoch = ''
end
local after = tonumber(ARGV[1])
if after < 0 then
  return { 1, top, epoch }
end
local from
local code
if epoch == ARGV[2] then
  if after > top then
    return { 0, top, epoch }
  end
  if after == top then
    return { 1, top, epoch }
  end
  from = after
  code = 1
else
  -- Another epoch: replay the current one if it still starts at offset 1. A position in the empty epoch at offset 0
  -- (the stream did not exist when the client looked) lost nothing: that replay is a full recovery.
  from = 0
  code = (ARGV[2] == '' and after == 0) and 1 or 2
  if top == 0 then
    return { code, top, epoch }
  end
end
if from < top - tonumber(ARGV[4]) then
  return { 0, top, epoch }
end
local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
if #oldest == 0 or tonumber(string.match(oldest[1][1], '^(%d+)')) > from + 1 then
  return { 0, top, epoch }
end
local reply = { code, top, epoch }
local entries = redis.call('XRANGE', KEYS[1], (from + 1) .. '-0', '+', 'COUNT', ARGV[3])
for _, entry in ipairs(entries) do
  reply[#reply + 1] = entry[2][2]
end
return reply
