// The JavaScript client (gateway/src/main/resources/client/pushgate.js, served at /client/pushgate.js) against a
// running gateway: GATEWAY (http://127.0.0.1:port) in jwt mode with the HS256 secret SECRET, history of `tiny:`
// channels 2 messages, heartbeat 200 ms, no clock skew. Node 20 has no WebSocket: the `ws` package is passed in.
// Driven by it/browser/JsClientTest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { freezableProxy } from '../browser/harness.mjs';
import { PushgateClient, backoffDelay, shouldReconnect, TERMINAL_CLOSE_CODES } from '../../../gateway/src/main/resources/client/pushgate.js';

const GATEWAY = process.env.GATEWAY;
const SECRET = process.env.SECRET;
const WAIT = 15000; // ms: loose, the box is shared

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function token(sub, seconds, secret = SECRET) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url({ alg: 'HS256', typ: 'JWT' });
  const body = b64url({ sub, iat: now, exp: now + seconds });
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

async function publish(channel, data) {
  const response = await fetch(`${GATEWAY}/api/publish`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, data }),
  });
  const body = await response.text();
  assert.equal(response.status, 200, body);
  return JSON.parse(body);
}

async function until(what, condition, within = WAIT) {
  const deadline = Date.now() + within;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A WebSocket constructor that counts the sockets made. */
function countingWebSocket() {
  const made = [];
  class Counting extends WebSocket {
    constructor(url) { super(url); made.push(url); }
  }
  return { Counting, made };
}

/** A gate the token callback waits on: the test decides when a reconnect may go on. */
function gate() {
  let open;
  const promise = new Promise((resolve) => { open = resolve; });
  return { promise, open };
}

const channel = (prefix) => `${prefix}${randomUUID().slice(0, 8)}`;

function offsets(messages) {
  return messages.map((m) => m.offset);
}

function range(from, to) {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

test('backoff: full jitter in [0, min(max, min * 2^attempt)), growing and capped', () => {
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = Math.min(5000, 100 * 2 ** attempt);
    assert.equal(backoffDelay(attempt, 100, 5000, () => 0), 0, 'the floor of full jitter is 0');
    assert.equal(backoffDelay(attempt, 100, 5000, () => 0.999999), ceiling - 1, `attempt ${attempt}`);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(attempt, 100, 5000);
      assert.ok(delay >= 0 && delay < ceiling, `attempt ${attempt}: ${delay} outside [0, ${ceiling})`);
    }
  }
  assert.equal(backoffDelay(1000, 100, 5000, () => 0.5), 2500, 'a huge attempt is capped, never Infinity');
});

test('close codes: no reconnect exactly where the table says no', () => {
  assert.deepEqual([...TERMINAL_CLOSE_CODES].sort(), [1002, 1008, 1009, 4005]);
  for (const code of [1000, 1001, 1006, 1011, 4000, 4001, 4002, 4003, 4004, 4006, 4007, 4008]) {
    assert.equal(shouldReconnect(code), true, String(code));
  }
  for (const code of [1002, 1008, 1009, 4005]) assert.equal(shouldReconnect(code), false, String(code));
});

test('options are checked', () => {
  assert.throws(() => new PushgateClient(GATEWAY, { minReconnectDelay: -1 }), /minReconnectDelay/);
  assert.throws(() => new PushgateClient(GATEWAY, { minReconnectDelay: 2000, maxReconnectDelay: 1000 }), /maxReconnectDelay/);
  assert.throws(() => new PushgateClient(GATEWAY, { transport: 'carrier-pigeon' }), /transport/);
  assert.throws(() => new PushgateClient(GATEWAY, { token: 'not a function' }), /token/);
});

test('messages arrive in order, each once', async () => {
  const name = channel('order');
  const client = new PushgateClient(GATEWAY, { WebSocket, token: () => token('u1', 600) });
  const got = [];
  let subscribed = false;
  client.subscribe(name, { onMessage: (m) => got.push(m), onSubscribed: () => { subscribed = true; } });
  client.connect();
  try {
    await until('subscribed', () => subscribed);
    for (let n = 1; n <= 50; n++) await publish(name, { n });
    await until('50 messages', () => got.length >= 50);
    assert.deepEqual(offsets(got), range(1, 50));
    assert.deepEqual(got.map((m) => m.data.n), range(1, 50));
    assert.equal(client.position(name).offset, 50);
  } finally {
    client.close();
  }
});

test('a reconnect subscribes with since and gets exactly the missed messages; the token callback is asked again', async () => {
  const name = channel('recover');
  let hold = null;
  let tokens = 0;
  const client = new PushgateClient(GATEWAY, {
    WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200,
    token: async () => { tokens++; if (hold) await hold.promise; return token('u2', 600); },
  });
  const got = [];
  const subscribedEvents = [];
  const disconnects = [];
  client.subscribe(name, { onMessage: (m) => got.push(m), onSubscribed: (e) => subscribedEvents.push(e) });
  client.on('disconnected', (e) => disconnects.push(e));
  client.connect();
  try {
    await until('subscribed', () => subscribedEvents.length === 1);
    for (let n = 1; n <= 3; n++) await publish(name, { n });
    await until('3 messages', () => got.length === 3);

    hold = gate(); // the reconnect waits for its token until the missed messages are published
    const closed = await fetch(`${GATEWAY}/admin/close`, { method: 'POST' });
    assert.equal(closed.status, 200);
    await until('the cut', () => disconnects.length === 1);
    assert.equal(disconnects[0].code, 4002);
    assert.equal(disconnects[0].reconnect, true);
    for (let n = 4; n <= 8; n++) await publish(name, { n });
    await until('the reconnect asks for a token', () => tokens === 2);
    hold.open();

    await until('recovered', () => subscribedEvents.length === 2);
    assert.equal(subscribedEvents[1].recovered, true);
    await until('8 messages', () => got.length >= 8);
    await publish(name, { n: 9 });
    await until('9 messages', () => got.length >= 9);
    assert.deepEqual(offsets(got), range(1, 9), 'no gap, no duplicate');
  } finally {
    client.close();
  }
});

test('a reconnect that cannot recover tells the application (notRecovered) and goes on from the new position', async () => {
  const name = channel('tiny:lost'); // tiny: keeps 2 messages
  let hold = null;
  const client = new PushgateClient(GATEWAY, {
    WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200,
    token: async () => { if (hold) await hold.promise; return token('u3', 600); },
  });
  const got = [];
  const lost = [];
  const lostOnClient = [];
  let subscribes = 0;
  client.subscribe(name, { onMessage: (m) => got.push(m), onSubscribed: () => subscribes++, onNotRecovered: (e) => lost.push(e) });
  client.on('notRecovered', (e) => lostOnClient.push(e));
  let cut = false;
  client.on('disconnected', () => { cut = true; });
  client.connect();
  try {
    await until('subscribed', () => subscribes === 1);
    const first = await publish(name, { n: 1 });
    await until('1 message', () => got.length === 1);
    hold = gate();
    await fetch(`${GATEWAY}/admin/close`, { method: 'POST' });
    await until('the cut', () => cut);
    for (let n = 2; n <= 6; n++) await publish(name, { n }); // 5 missed, 2 kept: not recoverable
    hold.open();
    await until('notRecovered', () => lost.length === 1);
    assert.deepEqual(lost[0].since, { offset: 1, epoch: first.epoch });
    assert.equal(lost[0].offset, 6);
    assert.equal(lostOnClient.length, 1, 'the client-wide event too');
    await publish(name, { n: 7 });
    await until('the next live message', () => got.length === 2);
    assert.deepEqual(offsets(got), [1, 7], 'none of the missed messages, recovery is never partial');
  } finally {
    client.close();
  }
});

test('no reconnect after a terminal close code (4005 invalid token)', async () => {
  const { Counting, made } = countingWebSocket();
  const client = new PushgateClient(GATEWAY, {
    WebSocket: Counting, minReconnectDelay: 10, maxReconnectDelay: 50,
    token: () => token('u4', 600, 'a-forger-secret-that-is-not-the-gateways-0123456789'),
  });
  const closed = [];
  client.on('closed', (e) => closed.push(e));
  client.subscribe(channel('never'), () => {});
  client.connect();
  await until('closed', () => closed.length === 1);
  assert.equal(closed[0].code, 4005);
  assert.equal(client.state, 'closed');
  await new Promise((resolve) => setTimeout(resolve, 1000)); // many backoff periods of 10..50 ms
  assert.equal(made.length, 1, 'one socket only: no reconnect');
  assert.equal(client._timers.size, 0, 'no timer left');
});

test('the token is refreshed before it expires: the connection outlives several tokens', async () => {
  const name = channel('refresh');
  let tokens = 0;
  const client = new PushgateClient(GATEWAY, {
    WebSocket, refreshMargin: 2000,
    token: () => { tokens++; return token('u5', 3); }, // 3 s tokens, refreshed 2 s before expiry
  });
  const got = [];
  const disconnects = [];
  let subscribed = false;
  client.subscribe(name, { onMessage: (m) => got.push(m), onSubscribed: () => { subscribed = true; } });
  client.on('disconnected', (e) => disconnects.push(e));
  client.connect();
  try {
    await until('subscribed', () => subscribed);
    await new Promise((resolve) => setTimeout(resolve, 5000)); // past the first token's expiry
    assert.deepEqual(disconnects, [], 'never cut (4006 token expired) while refreshing');
    assert.ok(tokens >= 3, `the token callback was called ${tokens} times in 5 s of 3 s tokens`);
    await publish(name, { n: 1 });
    await until('a message on the same connection', () => got.length === 1);
    assert.equal(client.state, 'connected');
  } finally {
    client.close();
  }
});

test('client-side liveness: no frame within heartbeat + grace -> a new socket, which recovers', async () => {
  const proxy = await freezableProxy(Number(new URL(GATEWAY).port));
  const name = channel('silent');
  const client = new PushgateClient(proxy.url, {
    WebSocket, heartbeatInterval: 300, livenessGrace: 500, minReconnectDelay: 50, maxReconnectDelay: 200,
    token: () => token('u6', 600),
  });
  const got = [];
  const disconnects = [];
  let subscribes = 0;
  client.subscribe(name, { onMessage: (m) => got.push(m), onSubscribed: () => subscribes++ });
  client.on('disconnected', (e) => disconnects.push(e));
  client.connect();
  try {
    await until('subscribed', () => subscribes === 1);
    await publish(name, { n: 1 });
    await until('1 message', () => got.length === 1);
    proxy.freeze(); // the gateway's heartbeats (200 ms) stop reaching the client
    for (let n = 2; n <= 4; n++) await publish(name, { n });
    await until('the liveness cut', () => disconnects.length === 1);
    assert.equal(disconnects[0].code, 4000);
    await until('resubscribed', () => subscribes === 2);
    await until('4 messages', () => got.length >= 4);
    assert.deepEqual(offsets(got), range(1, 4));
  } finally {
    client.close();
    await proxy.close();
  }
});

test('close() disposes every timer and listener, and no event follows', async () => {
  const client = new PushgateClient(GATEWAY, { WebSocket, token: () => token('u7', 600) });
  let subscribed = false;
  client.subscribe(channel('bye'), { onSubscribed: () => { subscribed = true; } });
  const states = [];
  client.on('state', (s) => states.push(s));
  client.connect();
  await until('subscribed', () => subscribed);
  assert.ok(client._timers.size > 0, 'liveness and refresh timers run while connected');
  client.close();
  assert.equal(client.state, 'closed');
  assert.equal(client._timers.size, 0);
  assert.equal(client._socket, null);
  assert.equal(client._listeners.size, 0);
  assert.throws(() => client.connect(), /closed/);
  // The process must be able to exit: node --test would time out on a leaked timer or socket.
});
