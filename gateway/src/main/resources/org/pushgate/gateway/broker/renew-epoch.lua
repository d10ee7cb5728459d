-- A stream found to have lost acknowledged writes (it handed an offset out twice under one epoch: a failover to a
-- replica that lagged) moves to a new epoch, so that no position of the old one recovers any more.
-- KEYS[1] the stream's meta hash, KEYS[2] the stream
-- ARGV[1] the epoch the node saw the repeat under, ARGV[2] the new epoch, ARGV[3] ttl in milliseconds
-- Only if the epoch is still the one seen: many nodes see the same repeat, and the first one's new epoch stands
-- (the others get it back). Offsets go on from where they are; the old epoch's history is dropped with it.
-- Returns {offset, epoch} as they are now.
local position = redis.call('hmget', KEYS[1], 'o', 'e')
local epoch = position[2]
if epoch and epoch ~= ARGV[1] then
  return {tonumber(position[1]), epoch}
end
local offset = tonumber(position[1]) or 0
redis.call('del', KEYS[2])
redis.call('hset', KEYS[1], 'e', ARGV[2], 'o', offset)
redis.call('pexpire', KEYS[1], ARGV[3])
return {offset, ARGV[2]}
