// The JavaScript client and insufficient_state: GATEWAY runs on the Redis broker; CONTROL's /redis-restart kills
// Redis and starts it again, empty. The gateway then finds a new epoch for the channel, tells the client
// insufficient_state and unsubscribes it; the client subscribes again with since, is told its position is gone
// (notRecovered) and goes on with the live messages. Driven by it/browser/JsClientTest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { PushgateClient } from '../../../gateway/src/main/resources/client/pushgate.js';

const GATEWAY = process.env.GATEWAY;
const WAIT = 30000;

async function until(what, condition, within = WAIT) {
  const deadline = Date.now() + within;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function publish(channel, data) {
  const response = await fetch(`${GATEWAY}/api/publish`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, data }),
  });
  return { status: response.status, body: await response.text() };
}

test('after insufficient_state the client subscribes again with since', async () => {
  const name = `gap-${randomUUID().slice(0, 8)}`;
  const client = new PushgateClient(GATEWAY, { WebSocket, minReconnectDelay: 50, maxReconnectDelay: 200 });
  const got = [];
  const subscribed = [];
  const lost = [];
  const disconnects = [];
  client.subscribe(name, { onMessage: (m) => got.push(m), onSubscribed: (e) => subscribed.push(e), onNotRecovered: (e) => lost.push(e) });
  client.on('disconnected', (e) => disconnects.push(e));
  client.connect();
  try {
    await until('subscribed', () => subscribed.length === 1);
    const first = JSON.parse((await publish(name, { n: 1 })).body);
    await until('1 message', () => got.length === 1);

    const restarted = await fetch(`${process.env.CONTROL}/redis-restart`, { method: 'POST' });
    assert.equal(restarted.status, 200, await restarted.text());

    await until('subscribed again on the same socket', () => subscribed.length === 2);
    assert.deepEqual(disconnects, [], 'the socket stayed open');
    await until('notRecovered', () => lost.length === 1);
    assert.deepEqual(lost[0].since, { offset: 1, epoch: first.epoch });
    assert.notEqual(lost[0].epoch, first.epoch, 'an empty Redis: a new epoch');
    await until('a live message after the gap', async () => {
      await publish(name, { n: 'after' }); // Redis may still be coming back: retry
      return got.length >= 2;
    });
    assert.equal(got[1].data.n, 'after');
  } finally {
    client.close();
  }
});
