// centrifuge-js 5.x, unmodified, against /connection/websocket of a gateway without authentication whose liveness
// is 1 s (ping every second, 1 s to answer). Run by it/centrifugo/CentrifugoLivenessTest. Apart from sdk.test.mjs on
// purpose: there, a liveness this short could cut (3012) a connection that a test floods or stalls on purpose before
// the cut the test waits for.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, next, subscribed, until, publish, shimmedWebSocket } from './support.mjs';

after(closeAll);

test('a server that stops hearing pongs cuts with 3012; the SDK reconnects and recovers', async () => {
  let dropPongs = false;
  const shim = shimmedWebSocket(frame => !(dropPongs && frame === '{}'));
  // The reconnect waits 1.5 s, so that the publication below is made while the SDK is cut off.
  const c = client({ websocket: shim.WebSocket, minReconnectDelay: 1500, maxReconnectDelay: 1500 });
  c.connect();
  const { sub, pubs } = await subscribed(c, 'cf.liveness');
  const connecting = next(c, 'connecting', ctx => ctx.code === 3012);
  const resubscribed = next(sub, 'subscribed');
  dropPongs = true;
  const cut = await connecting;
  assert.equal(cut.reason, 'no pong');
  dropPongs = false;
  await publish('cf.liveness', { n: 1 });
  const again = await resubscribed;
  assert.equal(again.wasRecovering, true);
  assert.equal(again.recovered, true);
  await until(() => pubs.length === 1, 'the publication made while cut off');
  assert.equal(pubs[0].data.n, 1);
});
