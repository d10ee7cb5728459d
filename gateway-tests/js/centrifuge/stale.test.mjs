// centrifuge-js 5.x, unmodified, against /connection/websocket of a gateway in jwt mode whose connect deadline
// (`gateway.auth.connect-timeout`) is 1 s. Run by it/centrifugo/CentrifugoStaleTest. A network that loses the SDK's
// connect command leaves the socket open but never authenticated: the gateway closes it with 3502 "stale", a code the
// SDK treats as final.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, next, token, nowSeconds, shimmedWebSocket } from './support.mjs';

after(closeAll);

test('a connect that never arrives is cut with 3502 at the deadline and the SDK does not reconnect', async () => {
  const shim = shimmedWebSocket(frame => !frame.split('\n').some(line => line.includes('"connect":')));
  // The SDK's own connect timeout (5 s by default) is longer than the gateway's deadline: the gateway's cut comes first.
  const c = client({ websocket: shim.WebSocket, token: token({ sub: 'alice', exp: nowSeconds() + 60 }), timeout: 10_000 });
  const disconnected = next(c, 'disconnected');
  const started = Date.now();
  c.connect();
  const ctx = await disconnected;
  const elapsed = Date.now() - started;
  console.log(`closed ${elapsed} ms after connect() with ${ctx.code} "${ctx.reason}"`);
  assert.equal(ctx.code, 3502);
  assert.equal(ctx.reason, 'stale');
  assert.ok(shim.sent.some(frame => frame.includes('"connect":')), 'the SDK did send its connect (the shim dropped it)');
  assert.ok(elapsed >= 900, `cut at the deadline, not before it (${elapsed} ms)`);
  await new Promise(r => setTimeout(r, 2000));
  assert.equal(c.state, 'disconnected', 'no reconnect after a terminal code');
  assert.equal(shim.sockets.length, 1, 'no second socket');
});
