// A page in Debian's Chromium with a native EventSource on /sse and no client code: the browser's own reconnect
// (Last-Event-ID) gets the missed messages back after a cut (asserted in the page: offsets 1..n, no gap, no
// duplicate). `node browser/sse.browser.mjs <scenario>`, driven by it/browser/SseBrowserTest:
//   cut             GATEWAY (memory engine; `filler:` without history): through a freezable proxy, a
//                   slow-consumer cut (the page stops reading while 1 MB messages pile up)
//   restart-redis   GATEWAY restarted (CONTROL) on Redis, PUBLISHER another node: the stream recovers what was
//                   published while its gateway was down
//   restart-memory  GATEWAY restarted (CONTROL) with the embedded engine: the page gets not_recovered
import { PAGE_RECORD, control, disconnects, events, floodUntilSlowConsumerCut, freezableProxy, guarded, openPage, publishN as publishTo, until, verdict } from './harness.mjs';

const GATEWAY = process.env.GATEWAY;
const PUBLISHER = process.env.PUBLISHER || GATEWAY;
// Channels of this run: scenarios may share a gateway (and its streams).
const RUN = Math.random().toString(36).slice(2, 8);
const ch = (name) => `${name}-${RUN}`;

const PAGE = `<!doctype html>
<meta charset="utf-8"><title>EventSource on /sse in Chromium</title>
<style>body { font: 12px monospace; } .event { color: #a00; }</style>
<h1>EventSource /sse</h1><div>last id: <b id="id">-</b></div><div id="log"></div>
<script>
  ${PAGE_RECORD}
  window.opens = 0;
  window.startStream = (query) => {
    const source = new EventSource('/sse?' + query);
    source.onopen = () => { window.opens++; note('open', { n: window.opens }); };
    source.onerror = () => note('error', { readyState: source.readyState });
    source.addEventListener('message', (event) => {
      const frame = JSON.parse(event.data);
      record(frame.channel, frame.offset, JSON.stringify(frame.data).slice(0, 40));
      document.getElementById('id').textContent = event.lastEventId.slice(0, 80);
    });
    for (const kind of ['subscribed', 'not_recovered', 'insufficient_state', 'close']) {
      source.addEventListener(kind, (event) => note(kind, JSON.parse(event.data)));
    }
    window.source = source;
  };
</script>`;

async function start(origin, query, channels) {
  const browser = await openPage(origin, PAGE);
  const { page } = browser;
  try {
    await page.evaluate((q) => window.startStream(q), query);
    await until('subscribed', async () => (await events(page, 'subscribed')).length >= channels);
    return browser;
  } catch (error) {
    console.log(browser.logs.join('\n'));
    await browser.close();
    throw error;
  }
}

const publishN = (channel, from, to) => publishTo(PUBLISHER, channel, from, to);

async function cut() {
  const proxy = await freezableProxy(Number(new URL(GATEWAY).port));
  const browser = await start(proxy.url, `channel=${ch('sse-news')}&channel=${ch('filler:sse')}`, 2);
  try {
    await guarded(browser, 'sse-cut', async (page) => {
      await publishN(ch('sse-news'), 1, 3);
      await verdict(page, ch('sse-news'), 3, 'live');
      const slowBefore = await disconnects(GATEWAY, 'slow_consumer');
      proxy.stallDownstream();
      await publishN(ch('sse-news'), 4, 6);
      await floodUntilSlowConsumerCut(GATEWAY, PUBLISHER, ch('filler:sse'), slowBefore);
      await publishN(ch('sse-news'), 7, 8);
      proxy.thaw();
      await verdict(page, ch('sse-news'), 8, 'after the slow-consumer cut, through Last-Event-ID');
      const recovered = await events(page, 'subscribed', (e) => e.channel === ch('sse-news') && e.recovered === true);
      if (recovered.length < 1) throw new Error('no recovered subscribed event after the cut');
      await until('not_recovered for filler:sse (no history)',
        async () => (await events(page, 'not_recovered', (e) => e.channel === ch('filler:sse'))).length >= 1);
      if ((await page.evaluate(() => window.opens)) < 2) throw new Error('the EventSource did not reconnect');
    });
  } finally {
    await proxy.close();
  }
}

async function restartRedis() {
  const browser = await start(GATEWAY, `channel=${ch('sse-news')}`, 1);
  await guarded(browser, 'sse-restart-redis', async (page) => {
    await publishN(ch('sse-news'), 1, 3);
    await verdict(page, ch('sse-news'), 3, 'before the restart');
    await control('stop');
    await publishN(ch('sse-news'), 4, 6); // on the other node, while the stream's gateway is down
    await control('start');
    await verdict(page, ch('sse-news'), 6, 'after the restart, through Last-Event-ID');
    const closes = await events(page, 'close');
    if (!closes.some((c) => c.code === 1001 && c.reconnect === true)) throw new Error(`close events ${JSON.stringify(closes)}`);
    await publishN(ch('sse-news'), 7, 8);
    await verdict(page, ch('sse-news'), 8, 'live after the restart');
  });
}

async function restartMemory() {
  const browser = await start(GATEWAY, `channel=${ch('sse-news')}`, 1);
  await guarded(browser, 'sse-restart-memory', async (page) => {
    await publishN(ch('sse-news'), 1, 3);
    await verdict(page, ch('sse-news'), 3, 'before the restart');
    await control('stop');
    await control('start');
    const lost = await until('not_recovered', async () => (await events(page, 'not_recovered'))[0]);
    if (lost.recovered !== false) throw new Error(JSON.stringify(lost));
    console.log(`told: not_recovered, now ${lost.offset}:${lost.epoch}`);
  });
}

const scenarios = { cut, 'restart-redis': restartRedis, 'restart-memory': restartMemory };
const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`usage: node browser/sse.browser.mjs <${Object.keys(scenarios).join('|')}>`);
  process.exit(2);
}
await scenarios[name]();
console.log(`${name}: passed`);
