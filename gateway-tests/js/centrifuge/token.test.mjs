// centrifuge-js 5.x, unmodified, against /connection/websocket of a gateway in jwt mode (HS256 client tokens, no clock
// skew, `public:` open to any authenticated connection, other namespaces closed but the personal channel). Run by
// it/centrifugo/CentrifugoTokenTest.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { client, closeAll, next, record, until, publish, token, nowSeconds } from './support.mjs';

after(closeAll);

const valid = (sub, seconds) => token({ sub, exp: nowSeconds() + seconds });

test('the token comes from getToken, and the SDK refreshes it before it expires; the connection stays', async () => {
  let fetched = 0;
  const c = client({ getToken: async () => { fetched++; return valid('alice', 5); } });
  const interruptions = [];
  const connected = next(c, 'connected');
  c.connect();
  await connected;
  c.on('connecting', ctx => interruptions.push(ctx));
  c.on('disconnected', ctx => interruptions.push(ctx));
  const sub = c.newSubscription('public:news');
  const pubs = record(sub);
  const subscribed = next(sub, 'subscribed');
  sub.subscribe();
  await subscribed;
  await new Promise(r => setTimeout(r, 11_000)); // past the expiry of the first two tokens
  assert.ok(fetched >= 3, `the SDK fetched a token at connect and at least twice to refresh (fetched ${fetched})`);
  assert.deepEqual(interruptions, [], 'refreshed in time: never cut');
  await publish('public:news', { after: 'refresh' });
  await until(() => pubs.length === 1, 'a publication on the refreshed connection');
});

test('a connect with an expired token gets error 109; the SDK fetches a new token and connects', async () => {
  let fetched = 0;
  const c = client({ token: valid('alice', -60), getToken: async () => { fetched++; return valid('alice', 60); } });
  const expired = next(c, 'error', ctx => ctx.type === 'connect' && ctx.error.code === 109);
  const connected = next(c, 'connected');
  c.connect();
  await expired;
  await connected;
  assert.equal(fetched, 1);
});

test('a token left to expire is cut with 3005; the SDK reconnects with a new one', async () => {
  let fetched = 0;
  const c = client({
    // Valid 2-3 s (exp is in whole seconds): the SDK's refresh is due after ttl = 1 s, well before the cut. With 1-2 s
    // the cut could come first, and the reconnect would then wait on the refresh that never answers (a flake).
    token: valid('alice', 3),
    // The first refresh never answers (a slow identity provider): the token expires on the server first.
    getToken: () => (++fetched === 1 ? new Promise(() => {}) : Promise.resolve(valid('alice', 60))),
  });
  const connected = next(c, 'connected');
  c.connect();
  await connected;
  const cut = await next(c, 'connecting', ctx => ctx.code === 3005);
  assert.equal(cut.reason, 'connection expired');
  await next(c, 'connected');
  assert.ok(fetched >= 2);
});

test('a forged token is cut with 3500 and the SDK does not reconnect', async () => {
  const c = client({ token: token({ sub: 'mallory', exp: nowSeconds() + 60 }, 'not-the-gateway-secret-0123456789abcdef') });
  const disconnected = next(c, 'disconnected');
  c.connect();
  const ctx = await disconnected;
  assert.equal(ctx.code, 3500);
  assert.equal(ctx.reason, 'invalid token');
  await new Promise(r => setTimeout(r, 1500));
  assert.equal(c.state, 'disconnected');
});

test('namespace rules: the personal channel of the token\'s sub only; a closed namespace answers 103', async () => {
  const c = client({ token: valid('alice', 60) });
  c.connect();
  const mine = c.newSubscription('user:alice');
  const pubs = record(mine);
  const subscribed = next(mine, 'subscribed');
  mine.subscribe();
  await subscribed;
  await publish('user:alice', { to: 'alice' });
  await until(() => pubs.length === 1, 'a message on the personal channel');

  for (const channel of ['user:bob', 'internal:ops']) {
    const other = c.newSubscription(channel);
    const refused = next(other, 'unsubscribed');
    other.subscribe();
    const ctx = await refused;
    assert.equal(ctx.code, 103, channel);
  }
  assert.equal(c.state, 'connected');
});
