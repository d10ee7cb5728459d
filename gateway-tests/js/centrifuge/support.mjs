// What the Centrifugo SDK tests share: the gateway's address (from the JUnit test that runs them), an unmodified
// centrifuge-js client over the `ws` package, publishing through the gateway's HTTP API, HS256 tokens, and waiting
// for SDK events with a deadline (loose: the box is shared).
import { createHmac } from 'node:crypto';
import { Centrifuge } from 'centrifuge';
import WebSocket from 'ws';

export const PORT = Number(process.env.PUSHGATE_PORT);
if (!PORT) {
  throw new Error('PUSHGATE_PORT is not set: these scripts are run by the gateway-tests JUnit classes (it/centrifugo)');
}
export const ENDPOINT = `ws://127.0.0.1:${PORT}/connection/websocket`;
const API_KEY = process.env.PUSHGATE_API_KEY || '';
export const WAIT = 10_000;

/** A client of the endpoint; every client made here is disconnected by closeAll(). */
const clients = [];
export function client(options = {}) {
  const c = new Centrifuge(ENDPOINT, { websocket: WebSocket, minReconnectDelay: 100, maxReconnectDelay: 1000, ...options });
  c.on('error', () => {}); // connect and transport errors are also states the tests look at
  clients.push(c);
  return c;
}

export function closeAll() {
  while (clients.length) {
    clients.pop().disconnect();
  }
}

/**
 * Resolves with the first event's context that matches, or rejects after `ms` naming what it waited for and the
 * events of that name it saw meanwhile that did not match (their code and reason, say), so that a timeout tells
 * what happened instead.
 */
export function next(emitter, event, match = () => true, ms = WAIT) {
  return new Promise((resolve, reject) => {
    const unmatched = [];
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      const seen = unmatched.length ? `; it saw ${unmatched.length} that did not match: ${unmatched.join(', ')}` : '; it saw none';
      reject(new Error(`no matching '${event}' event within ${ms} ms${seen}`));
    }, ms);
    const handler = ctx => {
      if (match(ctx)) {
        clearTimeout(timer);
        emitter.off(event, handler);
        resolve(ctx);
      } else if (unmatched.length < 20) {
        unmatched.push(describe(ctx));
      }
    };
    emitter.on(event, handler);
  });
}

/** An SDK event's context in a few words: its code and reason when it has them, else its JSON (cut short). */
function describe(ctx) {
  if (ctx && (ctx.code !== undefined || ctx.reason !== undefined)) {
    return `{code: ${ctx.code}, reason: ${JSON.stringify(ctx.reason)}}`;
  }
  let text;
  try {
    text = JSON.stringify(ctx);
  } catch {
    text = String(ctx);
  }
  return text === undefined ? String(ctx) : text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** Records every publication of a subscription, in arrival order. */
export function record(sub) {
  const pubs = [];
  sub.on('publication', ctx => pubs.push(ctx));
  return pubs;
}

/** A new subscription of `c`, subscribed: resolves with it, its recorded publications and its 'subscribed' context. */
export async function subscribed(c, channel, options = {}) {
  const sub = c.newSubscription(channel, options);
  const pubs = record(sub);
  const first = next(sub, 'subscribed');
  sub.subscribe();
  return { sub, pubs, ctx: await first };
}

export async function until(condition, what, ms = WAIT) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`not within ${ms} ms: ${what}`);
    }
    await new Promise(r => setTimeout(r, 20));
  }
}

async function post(path, body) {
  const headers = { 'content-type': 'application/json' };
  if (API_KEY) {
    headers.authorization = `Bearer ${API_KEY}`;
  }
  const response = await fetch(`http://127.0.0.1:${PORT}${path}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`${path} answered ${response.status}: ${text}`);
  }
  return JSON.parse(text);
}

/** Publishes through the gateway's API; resolves with {offset, epoch}. */
export function publish(channel, data) {
  return post('/api/publish', { channel, data });
}

/** An operator's close of every connection (POST /admin/close). */
export function closeConnections() {
  return post('/admin/close');
}

/** An HS256 JWT with these claims, signed with the gateway's client secret. */
export function token(claims, secret = process.env.PUSHGATE_CLIENT_SECRET) {
  const part = object => Buffer.from(JSON.stringify(object)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

export function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/**
 * The `ws` WebSocket with a hook on what the SDK sends: `filter(data)` returning false drops that frame (a network
 * that loses the SDK's pongs, say); `sent` records every frame sent; `sockets` holds every instance the SDK made, in
 * order (`sockets.at(-1).pause()` stops reading the socket: the kernel's buffers fill and the gateway's writes stall,
 * as behind a peer that stopped reading; `resume()` reads on). The SDK itself is unmodified.
 */
export function shimmedWebSocket(filter = () => true) {
  const sent = [];
  const sockets = [];
  class Shimmed extends WebSocket {
    constructor(...args) {
      super(...args);
      sockets.push(this);
    }

    send(data, ...rest) {
      sent.push(String(data));
      if (filter(String(data))) {
        super.send(data, ...rest);
      }
    }
  }
  return { WebSocket: Shimmed, sent, sockets };
}

/**
 * The sum of the samples of `name` on the gateway's /actuator/prometheus whose labels include `labels` (0 when there
 * is none), as GatewayProbe.metric reads it on the JUnit side.
 */
export async function metric(name, labels = {}) {
  const response = await fetch(`http://127.0.0.1:${PORT}/actuator/prometheus`);
  const text = await response.text();
  if (response.status !== 200) {
    throw new Error(`/actuator/prometheus answered ${response.status}: ${text}`);
  }
  let sum = 0;
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!sample || sample[1] !== name) {
      continue;
    }
    const present = Object.fromEntries([...(sample[3] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(m => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) {
      sum += Number(sample[4]);
    }
  }
  return sum;
}
