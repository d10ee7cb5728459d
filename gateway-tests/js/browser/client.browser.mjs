// A page in Debian's Chromium that imports /client/pushgate.js from the gateway itself, receives messages, and
// survives server-side cuts, getting the missed messages back (asserted in the page: offsets 1..n, no gap, no
// duplicate). `node browser/client.browser.mjs <scenario>`, driven by it/browser/ClientBrowserTest:
//   cuts            GATEWAY (memory engine; liveness 2 s + 2 s; `filler:` without history): through a freezable
//                   proxy, the gateway's liveness cut (4000) and a slow-consumer cut (4001)
//   restart-memory  GATEWAY restarted (CONTROL) with the embedded engine: its history is gone, the page is told
//                   (notRecovered)
//   restart-redis   GATEWAY restarted (CONTROL) on Redis, PUBLISHER another node: the page recovers what was
//                   published while its gateway was down
//   sse-fallback    GATEWAY, the client told to use Server-Sent Events: the same recovery through a cut (4002)
import { PAGE_RECORD, WAIT, control, disconnects, events, floodUntilSlowConsumerCut, freezableProxy, guarded, openPage, publish, publishN as publishTo, until, verdict } from './harness.mjs';

const GATEWAY = process.env.GATEWAY;
const PUBLISHER = process.env.PUBLISHER || GATEWAY;
// Channels of this run: scenarios may share a gateway (and its streams).
const RUN = Math.random().toString(36).slice(2, 8);
const ch = (name) => `${name}-${RUN}`;

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>pushgate.js in Chromium</title>
<style>body { font: 12px monospace; } .event { color: #a00; }</style>
<h1>pushgate.js</h1><div>state: <b id="state">-</b></div><div id="log"></div>
<script type="module">
  import { PushgateClient } from '/client/pushgate.js';
  ${PAGE_RECORD}
  window.startClient = (channels, options) => {
    const client = new PushgateClient(location.origin, options);
    client.on('state', (state) => { document.getElementById('state').textContent = state; });
    for (const kind of ['connected', 'disconnected', 'subscribed', 'notRecovered', 'closed']) {
      client.on(kind, (detail) => note(kind, detail));
    }
    for (const channel of channels) {
      client.subscribe(channel, (m) => record(m.channel, m.offset, JSON.stringify(m.data).slice(0, 40)));
    }
    client.connect();
    window.client = client;
    return client.transport;
  };
  window.PushgateClient = PushgateClient;
  window.ready = true;
</script>`;

const OPTIONS = { minReconnectDelay: 100, maxReconnectDelay: 1000, heartbeatInterval: 600000 };

async function start(origin, channels, options = OPTIONS) {
  const browser = await openPage(origin, PAGE);
  const { page } = browser;
  try {
    await until('the module loaded from the gateway', () => page.evaluate(() => window.ready === true));
    const transport = await page.evaluate(([c, o]) => window.startClient(c, o), [channels, options]);
    await until('subscribed', async () => (await events(page, 'subscribed')).length >= channels.length);
    return { ...browser, transport };
  } catch (error) {
    console.log(browser.logs.join('\n'));
    console.log(JSON.stringify(await page.evaluate(() => window.events).catch(() => 'no events')));
    await browser.close();
    throw error;
  }
}

const publishN = (channel, from, to) => publishTo(PUBLISHER, channel, from, to);

async function cuts() {
  const proxy = await freezableProxy(Number(new URL(GATEWAY).port));
  const browser = await start(proxy.url, [ch('news'), ch('filler:big')]);
  try {
    await guarded(browser, 'client-cuts', async (page) => {
      await publishN(ch('news'), 1, 3);
      await verdict(page, ch('news'), 3, 'live');

      // 1. Liveness: the network goes silent both ways; the gateway's ping gets no pong and it cuts (4000).
      const livenessBefore = await disconnects(GATEWAY, 'liveness_timeout');
      proxy.freeze();
      await publishN(ch('news'), 4, 5);
      await until('the gateway\'s liveness cut', async () => (await disconnects(GATEWAY, 'liveness_timeout')) > livenessBefore);
      await publishN(ch('news'), 6, 7); // while the page has no connection
      proxy.thaw();
      await verdict(page, ch('news'), 7, 'after the liveness cut');
      const recovered = await events(page, 'subscribed', (e) => e.channel === ch('news') && e.recovered);
      if (recovered.length < 1) throw new Error('no recovered subscribe after the liveness cut');

      // 2. Slow consumer: the page stops reading (nothing reaches it), 1 MB messages fill its buffer: cut (4001).
      const slowBefore = await disconnects(GATEWAY, 'slow_consumer');
      proxy.stallDownstream();
      await publishN(ch('news'), 8, 10);
      await floodUntilSlowConsumerCut(GATEWAY, PUBLISHER, ch('filler:big'), slowBefore);
      await publishN(ch('news'), 11, 12);
      proxy.thaw();
      await verdict(page, ch('news'), 12, 'after the slow-consumer cut');
      await until('filler:big not recovered (it keeps no history), and the page is told',
        async () => (await events(page, 'notRecovered', (e) => e.channel === ch('filler:big'))).length >= 1);
      const codes = (await events(page, 'disconnected')).map((e) => e.code);
      console.log(`disconnect codes seen by the page: ${codes.join(', ')}`);
    });
  } finally {
    await proxy.close();
  }
}

async function restartMemory() {
  const browser = await start(GATEWAY, [ch('news')]);
  await guarded(browser, 'client-restart-memory', async (page) => {
    await publishN(ch('news'), 1, 3);
    await verdict(page, ch('news'), 3, 'before the restart');
    await control('stop');
    await control('start');
    const lost = await until('notRecovered after the restart', async () => (await events(page, 'notRecovered'))[0]);
    if (lost.since.offset !== 3) throw new Error(`notRecovered since ${JSON.stringify(lost.since)}, expected offset 3`);
    if (lost.epoch === lost.since.epoch) throw new Error('a restart of the embedded engine gives a new epoch');
    console.log(`told: not recovered, since ${JSON.stringify(lost.since)}, now ${lost.offset}:${lost.epoch}`);
    await publish(GATEWAY, ch('news'), { n: 'first of the new epoch' });
    await until('a message of the new epoch', () => page.evaluate((c) => window.got[c].length === 4, ch('news')));
    const offsets = await page.evaluate((c) => window.got[c], ch('news'));
    if (JSON.stringify(offsets) !== '[1,2,3,1]') throw new Error(`offsets ${offsets}`);
  });
}

async function restartRedis() {
  const browser = await start(GATEWAY, [ch('news')]);
  await guarded(browser, 'client-restart-redis', async (page) => {
    await publishN(ch('news'), 1, 3);
    await verdict(page, ch('news'), 3, 'before the restart');
    await control('stop');
    await publishN(ch('news'), 4, 6); // on the other node, while the page's gateway is down
    await control('start');
    await verdict(page, ch('news'), 6, 'after the restart');
    const recovered = await events(page, 'subscribed', (e) => e.recovered);
    if (recovered.length < 1) throw new Error('no recovered subscribe after the restart');
    await publishN(ch('news'), 7, 8);
    await verdict(page, ch('news'), 8, 'live after the restart');
  });
}

async function sseFallback() {
  const browser = await start(GATEWAY, [ch('sse-news'), ch('sse-other')], { ...OPTIONS, transport: 'sse' });
  await guarded(browser, 'client-sse-fallback', async (page) => {
    if (browser.transport !== 'sse') throw new Error(`transport ${browser.transport}`);
    await publishN(ch('sse-news'), 1, 3);
    await verdict(page, ch('sse-news'), 3, 'over SSE');
    // A cut by an operator (4002): the client opens a new stream with the positions it holds.
    const closed = await fetch(`${GATEWAY}/admin/close`, { method: 'POST' });
    if (closed.status !== 200) throw new Error(`admin/close ${closed.status}`);
    await until('the cut', async () => (await events(page, 'disconnected')).length >= 1);
    await publishN(ch('sse-news'), 4, 6);
    await verdict(page, ch('sse-news'), 6, 'over SSE after the cut');
    await page.evaluate((c) => window.client.subscribe(c, (m) => window.record(m.channel, m.offset, '')), ch('sse-late'));
    // A new channel opens a new stream (the old channels recover through lastEventId); a fresh channel's
    // messages are those published after its subscribe.
    await until('the new channel subscribed', async () => (await events(page, 'subscribed', (e) => e.channel === ch('sse-late'))).length >= 1);
    await publishN(ch('sse-news'), 7, 7);
    await publishN(ch('sse-late'), 1, 2);
    await verdict(page, ch('sse-news'), 7, 'over SSE after a new subscribe');
    await verdict(page, ch('sse-late'), 2, 'the new channel over SSE');

    // A subscribe made while the stream is being opened (its URL already built) gets a stream that has it.
    await page.evaluate((c) => {
      const eager = new window.PushgateClient(location.origin, { transport: 'sse' });
      eager.on('subscribed', (e) => window.note('eager subscribed', e));
      eager.connect();
      eager.subscribe(c, (m) => window.record(m.channel, m.offset, 'eager'));
      window.eager = eager;
    }, ch('sse-eager'));
    await until('the eager subscribe', async () => (await events(page, 'eager subscribed')).length >= 1);
    await publishN(ch('sse-eager'), 1, 2);
    await verdict(page, ch('sse-eager'), 2, 'a subscribe made while the stream opened');
    await page.evaluate(() => window.eager.close());
  });
}

const scenarios = { cuts, 'restart-memory': restartMemory, 'restart-redis': restartRedis, 'sse-fallback': sseFallback };
const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`usage: node browser/client.browser.mjs <${Object.keys(scenarios).join('|')}>`);
  process.exit(2);
}
const timer = setTimeout(() => { console.error(`${name}: no end within ${5 * WAIT} ms`); process.exit(3); }, 5 * WAIT);
try {
  await scenarios[name]();
  console.log(`${name}: passed`);
} finally {
  clearTimeout(timer);
}
