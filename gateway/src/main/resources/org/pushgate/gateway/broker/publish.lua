-- One publish, atomically: the offset, the stored message, the ttls and the fan-out to every node agree.
-- KEYS[1] the stream's meta hash (e: epoch, o: offset), KEYS[2] the stream (entry id <offset>-0, field d)
-- ARGV[1] the channel's pub/sub channel, ARGV[2] the message data, ARGV[3] history size (0: keep none),
-- ARGV[4] ttl in milliseconds, ARGV[5] the epoch to use if the stream is new (no meta, or it expired)
-- Returns {offset, epoch, nodes that received the PUBLISH}.
local epoch = redis.call('hget', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[5]
  -- A stream left without its meta (evicted) holds ids above the new offsets: it belongs to the old epoch.
  redis.call('del', KEYS[2])
  redis.call('hset', KEYS[1], 'e', epoch, 'o', 0)
end
local offset = redis.call('hincrby', KEYS[1], 'o', 1)
local size = tonumber(ARGV[3])
if size > 0 then
  -- Approximate trimming is O(1) per publish; history reads never look further back than size anyway.
  redis.call('xadd', KEYS[2], 'MAXLEN', '~', size, offset .. '-0', 'd', ARGV[2])
  redis.call('pexpire', KEYS[2], ARGV[4])
end
redis.call('pexpire', KEYS[1], ARGV[4])
local nodes = redis.call('publish', ARGV[1], offset .. ':' .. epoch .. ':' .. ARGV[2])
return {offset, epoch, nodes}
