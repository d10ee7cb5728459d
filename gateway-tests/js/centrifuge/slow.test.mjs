// centrifuge-js 5.x, unmodified, cut as a slow consumer (3008): its socket stops reading (the `ws` instance is paused
// under the SDK, as a peer whose network or event loop stalls), the kernel's buffers and then the gateway's bounded
// subscriber buffer fill, and the gateway cuts it. Run by it/centrifugo/CentrifugoSlowConsumerTest, whose gateway
// keeps 16 frames per subscriber (overflow: disconnect), enough history to recover every message published here, and
// the default liveness (the abort of a cut connection comes 10 s after its close frame).
//
// The close frame is queued behind the data the peer does not read, so the SDK sees 3008 "slow" when it reads on
// before the abort, or the socket die ("transport closed") after it: either way it must reconnect by itself and
// recover, with every publication exactly once and in order.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, next, subscribed, until, publish, metric, shimmedWebSocket } from './support.mjs';

after(closeAll);

// ~300 of these fill the loopback socket's buffers (up to 4 MiB to send, 128 KiB to receive) and the gateway's: a
// publish takes 20-40 ms on a busy box, whatever its size, so fewer larger ones fill them sooner.
const PAD = 'x'.repeat(16 * 1024);
const MAX_PUBLISHES = 3000;
// Within the gateway's first liveness ping and its timeout (25 s + 10 s after the connect): the stalled SDK does not
// answer that ping, so a cut as slow must come before the liveness cut would.
const MAX_PUBLISHING_MS = 30_000;
const AFTER_CUT = 20; // published while the SDK is cut off: only the recovery can bring them
const SLOW = { reason: 'slow_consumer' };

/**
 * Publishes numbered messages one at a time until `condition()` holds (checked every 10), then AFTER_CUT more; at most
 * MAX_PUBLISHES within MAX_PUBLISHING_MS. Resolves with how many it published.
 */
async function publishUntil(channel, condition) {
  const start = Date.now();
  const deadline = start + MAX_PUBLISHING_MS;
  let n = 0;
  while (n < MAX_PUBLISHES) {
    await publish(channel, { n: ++n, pad: PAD });
    if (n % 10 === 0 && await condition()) {
      console.log(`the gateway cut the stalled SDK after ${n} publishes in ${Date.now() - start} ms`);
      for (let k = 0; k < AFTER_CUT; k++) {
        await publish(channel, { n: ++n, pad: PAD });
      }
      return n;
    }
    if (Date.now() > deadline) {
      break;
    }
  }
  throw new Error(`${n} publishes in ${MAX_PUBLISHING_MS} ms and the gateway did not cut the stalled SDK`);
}

/** Every publication 1..n exactly once, in order, with consecutive offsets and its own data. */
function assertEverythingOnceInOrder(pubs, n) {
  const numbers = pubs.map(p => p.data.n);
  const firstWrong = numbers.findIndex((k, i) => k !== i + 1);
  assert.equal(firstWrong === -1 && numbers.length === n, true,
    `publications 1..${n} once each, in order; got ${numbers.length}, first out of place at index ${firstWrong}: `
    + `${numbers.slice(Math.max(0, firstWrong - 3), firstWrong + 3)}`);
  pubs.forEach((p, i) => assert.equal(p.offset, pubs[0].offset + i, `offset of publication ${i + 1}`));
  assert.ok(pubs.every(p => p.data.pad === PAD), 'every publication has its own data');
}

/** The stalled SDK reads on, reconnects by itself and resubscribes with recovery of everything it missed. */
async function resumeAndRecover({ c, sub, pubs, socket, published, channel, cutCode }) {
  const resubscribed = next(sub, 'subscribed', () => true, 30_000);
  const start = Date.now();
  socket.resume();
  const cut = await cutCode;
  console.log(`the SDK saw the cut as ${cut.code} "${cut.reason}" ${Date.now() - start} ms after reading on, `
    + `having read ${pubs.length} of ${published}`);
  const again = await resubscribed;
  console.log(`resubscribed ${Date.now() - start} ms after reading on: recovered ${again.recovered}`);
  assert.equal(again.wasRecovering, true);
  assert.equal(again.recovered, true, 'every missed publication was in the history');
  await publish(channel, { n: published + 1, pad: PAD });
  await until(() => pubs.length >= published + 1, `publications 1..${published + 1} (has ${pubs.length})`, 30_000);
  await new Promise(r => setTimeout(r, 200)); // a duplicate would arrive meanwhile
  assertEverythingOnceInOrder(pubs, published + 1);
  assert.equal(c.state, 'connected');
}

/** A subscribed SDK whose socket then stops reading; `cutCode` is its next 'connecting' event (3008 or 1). */
async function stalledSdk(channel) {
  const shim = shimmedWebSocket();
  // The stalled SDK reads no ping either: it must not give up on the server by itself (25 s + maxServerPingDelay)
  // before the gateway's cut and the abort, which is what this is about.
  const c = client({ websocket: shim.WebSocket, maxServerPingDelay: 120_000 });
  c.connect();
  const { sub, pubs } = await subscribed(c, channel);
  const socket = shim.sockets.at(-1);
  const cutCode = next(c, 'connecting', ctx => ctx.code === 3008 || ctx.code === 1, 60_000);
  socket.pause();
  return { c, sub, pubs, socket, cutCode, channel };
}

test('a stalled SDK is cut as slow (3008); reading on, it reconnects and recovers everything exactly once', async () => {
  const stalled = await stalledSdk('cf.slow');
  const cutsBefore = await metric('gateway_messages_dropped_total', SLOW);
  // The cut itself: the disconnect is counted only when the socket ends, which needs the peer to read or the abort.
  const published = await publishUntil(stalled.channel,
    async () => await metric('gateway_messages_dropped_total', SLOW) > cutsBefore);
  assert.equal(stalled.c.state, 'connected', 'the SDK has not noticed anything yet');
  await resumeAndRecover({ ...stalled, published });
});

test('a stalled SDK that reads on only after the gateway released its socket also reconnects and recovers', async () => {
  const stalled = await stalledSdk('cf.slow.abort');
  const cutsBefore = await metric('gateway_messages_dropped_total', SLOW);
  const disconnectsBefore = await metric('gateway_disconnects_total', SLOW);
  const published = await publishUntil(stalled.channel,
    async () => await metric('gateway_messages_dropped_total', SLOW) > cutsBefore);
  // The disconnect is counted once the cut connection is released: here by the abort, the liveness timeout (10 s)
  // after the close frame that the stalled SDK does not read.
  const deadline = Date.now() + 30_000;
  while (await metric('gateway_disconnects_total', SLOW) <= disconnectsBefore) {
    assert.ok(Date.now() < deadline, 'the gateway released the cut connection within 30 s');
    await new Promise(r => setTimeout(r, 100));
  }
  console.log(`the gateway released the stalled SDK's connection; ${published} published`);
  await resumeAndRecover({ ...stalled, published });
});
