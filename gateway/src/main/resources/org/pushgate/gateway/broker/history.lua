-- A read of a stream: its position and the messages after since, in one step (no publish falls in between).
-- KEYS[1] the stream's meta hash, KEYS[2] the stream
-- ARGV[1] since (exclusive), ARGV[2] limit (0: the position only), ARGV[3] history size, ARGV[4] ttl in
-- milliseconds, ARGV[5] the epoch to use if the stream is new
-- Returns {offset, epoch, id1, data1, id2, data2, ...} with at most limit + 1 messages (one more tells that the
-- read was cut at its limit).
local position = redis.call('hmget', KEYS[1], 'o', 'e')
local epoch = position[2]
if not epoch then
  -- An unknown stream is created on read, so that the position a subscriber is given stays valid.
  epoch = ARGV[5]
  redis.call('del', KEYS[2])
  redis.call('hset', KEYS[1], 'e', epoch, 'o', 0)
  redis.call('pexpire', KEYS[1], ARGV[4])
  return {0, epoch}
end
local offset = tonumber(position[1])
local since, limit, size = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {offset, epoch}
if limit == 0 or since >= offset or size == 0 then
  return out
end
local from = since + 1
if offset - size + 1 > from then
  from = offset - size + 1 -- trimming is approximate: what lies beyond size is not history any more
end
local entries = redis.call('xrange', KEYS[2], from .. '-0', '+', 'COUNT', limit + 1)
for _, entry in ipairs(entries) do
  out[#out + 1] = entry[1]
  out[#out + 1] = entry[2][2]
end
return out
