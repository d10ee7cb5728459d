// Centrifugo's server SDK for Node (the unmodified npm package cent.js) against pushgate's Centrifugo-compatible
// server API: pointed at http://host:port/centrifugo/api with the API key, it publishes, broadcasts, reads history and
// pipelines commands as it would against Centrifugo. Run by CentJsServerSdkTest with GATEWAY_PORT and API_KEY.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);
const { CentClient, CentException } = require('cent.js');

const port = process.env.GATEWAY_PORT;
const apiKey = process.env.API_KEY;
const url = `http://127.0.0.1:${port}/centrifugo/api`;
const cent = new CentClient({ url, apiKey });

/** A /ws subscriber of `channel`: resolves once subscribed; `next()` resolves with the next message frame. */
function subscriber(channel) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?channel=${encodeURIComponent(channel)}`);
  const messages = [];
  const waiting = [];
  const subscribed = new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('message', raw => {
      const frame = JSON.parse(raw.toString());
      if (frame.op === 'subscribed') {
        resolve();
      } else if (frame.op === 'message') {
        if (waiting.length > 0) {
          waiting.shift()(frame);
        } else {
          messages.push(frame);
        }
      }
    });
  });
  const next = () => messages.length > 0 ? Promise.resolve(messages.shift())
      : new Promise(resolve => waiting.push(resolve));
  return { subscribed, next, close: () => socket.close() };
}

/** Bounded wait: a loaded machine is slow, never this slow. */
function within(promise, what, ms = 15000) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  })]).finally(() => clearTimeout(timer));
}

test('publish reaches a /ws subscriber and answers its offset and epoch', async () => {
  const client = subscriber('centjs-news');
  try {
    await within(client.subscribed, 'subscribed');
    const result = await cent.publish({ channel: 'centjs-news', data: { text: 'from cent.js' } });
    assert.equal(result.offset, 1);
    assert.equal(typeof result.epoch, 'string');
    const message = await within(client.next(), 'the message');
    assert.deepEqual(message.data, { text: 'from cent.js' });
    assert.equal(message.offset, 1);
  } finally {
    client.close();
  }
});

test('broadcast answers one response per channel', async () => {
  const result = await cent.broadcast({ channels: ['centjs-a', 'centjs-b'], data: 1 });
  assert.equal(result.responses.length, 2);
  for (const response of result.responses) {
    assert.equal(response.result.offset, 1);
  }
});

test('history reads newest first with reverse, and the position', async () => {
  for (let i = 1; i <= 3; i++) {
    await cent.publish({ channel: 'centjs-h', data: { i } });
  }
  const newest = await cent.getHistory({ channel: 'centjs-h', limit: 2, reverse: true });
  assert.deepEqual(newest.publications.map(p => p.offset), [3, 2]);
  assert.deepEqual(newest.publications[0].data, { i: 3 });
  assert.equal(newest.offset, 3);
  const after = await cent.getHistory({ channel: 'centjs-h', limit: 10, since: { offset: 1, epoch: newest.epoch } });
  assert.deepEqual(after.publications.map(p => p.offset), [2, 3]);
});

test('a pipeline of commands runs in order on the older form', async () => {
  const results = await cent.pipeline([
    { method: 'publish', params: { channel: 'centjs-p', data: 'x' } },
    { method: 'history', params: { channel: 'centjs-p', limit: -1 } },
  ]);
  assert.equal(results.length, 2);
  assert.equal(results[0].offset, 1);
  assert.deepEqual(results[1].publications.map(p => p.data), ['x']);
});

test('a method pushgate does not serve, and a wrong key, are errors the SDK raises', async () => {
  await assert.rejects(cent.getPresence({ channel: 'centjs-news' }), CentException);
  const wrong = new CentClient({ url, apiKey: 'not-the-key' });
  await assert.rejects(wrong.publish({ channel: 'centjs-news', data: 1 }), CentException);
});
