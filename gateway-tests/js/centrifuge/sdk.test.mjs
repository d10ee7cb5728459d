// centrifuge-js 5.x, unmodified, against /connection/websocket of a gateway without authentication (AuthMode none:
// anonymous connections). Run by it/centrifugo/CentrifugoSdkTest, which sets the gateway's limits these tests rely on:
// at most 40 subscriptions per connection, namespace `short` keeping 3 messages; liveness is the default (25 s ping,
// 10 s timeout), so that no liveness cut (3012, in liveness.test.mjs) can come before the cut a test waits for.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { client, closeAll, next, record, subscribed, until, publish, closeConnections, shimmedWebSocket, ENDPOINT } from './support.mjs';

after(closeAll);

// Channels whose offsets and history a test checks get a name of this run's own: surefire reruns a failed class
// against the same gateway, whose streams still hold the first run's messages.
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}`;

test('connects anonymously, subscribes, and gets publications in order with their offsets', async () => {
  const c = client();
  const connected = next(c, 'connected');
  c.connect();
  const ctx = await connected;
  assert.match(ctx.client, /^[0-9a-f-]{36}$/);
  assert.equal(ctx.transport, 'websocket');
  const { pubs, ctx: sub } = await subscribed(c, `cf.order.${RUN}`);
  assert.equal(sub.recoverable, true);
  assert.equal(sub.positioned, true);
  assert.equal(sub.wasRecovering, false);
  const start = sub.streamPosition.offset;
  for (let n = 1; n <= 20; n++) {
    await publish(`cf.order.${RUN}`, { n });
  }
  await until(() => pubs.length === 20, 'twenty publications');
  assert.deepEqual(pubs.map(p => p.data.n), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.deepEqual(pubs.map(p => p.offset), Array.from({ length: 20 }, (_, i) => start + i + 1));
});

test('the connect and many subscribes go in one frame, and every subscription works', async () => {
  const shim = shimmedWebSocket();
  const c = client({ websocket: shim.WebSocket });
  const subs = [];
  for (let i = 0; i < 25; i++) {
    const sub = c.newSubscription(`cf.many.${i}`);
    subs.push({ sub, pubs: record(sub), done: next(sub, 'subscribed') });
    sub.subscribe();
  }
  c.connect();
  await Promise.all(subs.map(s => s.done));
  const withSubscribes = shim.sent.filter(frame => frame.includes('"subscribe"'));
  assert.ok(withSubscribes.some(frame => frame.split('\n').filter(line => line.includes('"subscribe"')).length === 25),
    `one frame held all 25 subscribes: ${withSubscribes.map(f => f.split('\n').length)}`);
  for (let i = 0; i < 25; i++) {
    await publish(`cf.many.${i}`, { i });
  }
  await until(() => subs.every(s => s.pubs.length === 1), 'one publication on every subscription');
  subs.forEach((s, i) => assert.equal(s.pubs[0].data.i, i));
});

test('an operator close (3011) makes the SDK reconnect and recover exactly what it missed', async () => {
  const c = client({ minReconnectDelay: 1500, maxReconnectDelay: 1500 });
  c.connect();
  const { sub, pubs } = await subscribed(c, `cf.recover.${RUN}`);
  await publish(`cf.recover.${RUN}`, { n: 1 });
  await until(() => pubs.length === 1, 'the first publication');

  const connecting = next(c, 'connecting', ctx => ctx.code === 3011);
  const resubscribed = next(sub, 'subscribed');
  await closeConnections();
  assert.equal((await connecting).reason, 'force reconnect');
  for (let n = 2; n <= 4; n++) {
    await publish(`cf.recover.${RUN}`, { n }); // while the SDK waits to reconnect
  }
  const again = await resubscribed;
  assert.equal(again.wasRecovering, true);
  assert.equal(again.recovered, true);
  await until(() => pubs.length === 4, 'the three missed publications');
  assert.deepEqual(pubs.map(p => p.data.n), [1, 2, 3, 4]);
  await publish(`cf.recover.${RUN}`, { n: 5 });
  await until(() => pubs.length === 5, 'a live one after the recovery');
  assert.deepEqual(pubs.map(p => p.offset), [1, 2, 3, 4, 5].map(k => pubs[0].offset + k - 1));
});

test('beyond the history window the SDK is told recovered: false', async () => {
  const c = client({ minReconnectDelay: 1500, maxReconnectDelay: 1500 });
  c.connect();
  const { sub, pubs } = await subscribed(c, `short:window.${RUN}`);
  await publish(`short:window.${RUN}`, { n: 1 });
  await until(() => pubs.length === 1, 'the first publication');
  const connecting = next(c, 'connecting', ctx => ctx.code === 3011);
  const resubscribed = next(sub, 'subscribed');
  await closeConnections();
  await connecting;
  for (let n = 2; n <= 7; n++) {
    await publish(`short:window.${RUN}`, { n }); // six missed, three kept
  }
  const again = await resubscribed;
  assert.equal(again.wasRecovering, true);
  assert.equal(again.recovered, false);
  assert.equal(pubs.length, 1, 'nothing partial is delivered');
  await publish(`short:window.${RUN}`, { n: 8 });
  await until(() => pubs.length === 2, 'live publications go on');
  assert.equal(pubs[1].data.n, 8);
});

test('persistently too many commands cut with 3013; the SDK reconnects and resubscribes', async () => {
  const c = client();
  c.connect();
  const { sub } = await subscribed(c, 'cf.flood');
  const connecting = next(c, 'connecting', ctx => ctx.code === 3013);
  const resubscribed = next(sub, 'subscribed');
  // Each call is a frame of its own; beyond the rate limit's burst they get no reply, and persisting cuts.
  const calls = Array.from({ length: 200 }, () => sub.history({ limit: 0 }).catch(() => 'refused'));
  assert.equal((await connecting).reason, 'too many requests');
  assert.equal((await resubscribed).wasRecovering, true);
  await Promise.all(calls);
});

test('a non-reconnectable code (3505 channel limit) stops the SDK', async () => {
  const c = client();
  for (let i = 0; i < 41; i++) {
    c.newSubscription(`cf.limit.${i}`).subscribe();
  }
  const disconnected = next(c, 'disconnected');
  c.connect();
  const ctx = await disconnected;
  assert.equal(ctx.code, 3505);
  assert.equal(ctx.reason, 'channel limit');
  await new Promise(r => setTimeout(r, 1500));
  assert.equal(c.state, 'disconnected', 'no reconnect after a terminal code');
});

test('history answers from the stream; client publish is refused (103); presence is not available (108)', async () => {
  const c = client();
  c.connect();
  const { sub, pubs } = await subscribed(c, `cf.history.${RUN}`);
  for (let n = 1; n <= 3; n++) {
    await publish(`cf.history.${RUN}`, { n });
  }
  await until(() => pubs.length === 3, 'three publications');
  const history = await sub.history({ limit: 10 });
  assert.deepEqual(history.publications.map(p => p.data.n), [1, 2, 3]);
  assert.equal(history.offset, pubs[2].offset);
  const newest = await sub.history({ limit: 2, reverse: true });
  assert.deepEqual(newest.publications.map(p => p.data.n), [3, 2]);
  const since = await sub.history({ limit: 10, since: { offset: pubs[0].offset, epoch: history.epoch } });
  assert.deepEqual(since.publications.map(p => p.data.n), [2, 3]);
  await assert.rejects(sub.history({ limit: 10, since: { offset: 1, epoch: 'another' } }), e => e.code === 112);
  await assert.rejects(sub.publish({ from: 'client' }), e => e.code === 103);
  await assert.rejects(sub.presence(), e => e.code === 108);
  assert.equal(c.state, 'connected', 'refused commands leave the connection alone');
});

test('bad JSON ends the connection with 3501; an unknown method gets 104; the gateway keeps serving', async () => {
  const raw = new WebSocket(ENDPOINT);
  await new Promise((resolve, reject) => { raw.once('open', resolve); raw.once('error', reject); });
  const replies = [];
  raw.on('message', data => replies.push(String(data)));
  raw.send('{"id":1,"connect":{}}\n{"id":2,"teleport":{}}');
  await until(() => replies.some(r => r.includes('"id":2')), 'the reply to the unknown method');
  assert.match(replies.find(r => r.includes('"id":2')), /"error":\{"code":104/);
  const closed = new Promise(resolve => raw.once('close', code => resolve(code)));
  raw.send('{"id":3,"subscribe":');
  assert.equal(await closed, 3501);

  const c = client();
  const connected = next(c, 'connected');
  c.connect();
  await connected;
});
