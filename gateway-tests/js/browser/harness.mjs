// What the real-browser tests share: a freezable TCP proxy in front of the gateway, publishing, the gateway's
// meters, the JUnit side's control of the gateway's lifecycle (CONTROL: stop/start), a page on the gateway's
// origin (everything it loads comes from the gateway), polling with a deadline, and a screenshot under target/.
import net from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './chromium.mjs';

export const WAIT = 60000; // ms: loose on purpose, the box is shared (2 cores, several builds)

export async function until(what, condition, within = WAIT) {
  const deadline = Date.now() + within;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${within} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function publish(gateway, channel, data) {
  const response = await fetch(`${gateway}/api/publish`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, data }),
  });
  const body = await response.text();
  if (response.status !== 200) throw new Error(`publish to ${channel}: ${response.status} ${body}`);
  return JSON.parse(body);
}

/** gateway_disconnects_total{reason=...} (summed over its other labels) */
export async function disconnects(gateway, reason) {
  const text = await (await fetch(`${gateway}/actuator/prometheus`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('gateway_disconnects_total{') && line.includes(`reason="${reason}"`)) {
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return total;
}

/**
 * Publishes 1 MB messages to `channel` (5 at a time, at most 100) until `gateway` counts one more slow-consumer
 * cut; the proxy in front of the page must be stalled.
 */
export async function floodUntilSlowConsumerCut(gateway, publisher, channel, before) {
  const big = 'x'.repeat(1000000);
  for (let round = 0; round < 20 && (await disconnects(gateway, 'slow_consumer')) === before; round++) {
    await Promise.all(Array.from({ length: 5 }, () => publish(publisher, channel, big)));
  }
  await until('the slow-consumer cut', async () => (await disconnects(gateway, 'slow_consumer')) > before);
}

/** Asks the JUnit test to stop or start the gateway (on the same port); resolves when it is done. */
export async function control(action) {
  const response = await fetch(`${process.env.CONTROL}/${action}`, { method: 'POST' });
  if (response.status !== 200) throw new Error(`control ${action}: ${response.status} ${await response.text()}`);
}

/**
 * A TCP proxy to 127.0.0.1:port. freeze(): its connections of now forward nothing either way (a vanished peer);
 * stallDownstream(): nothing from the gateway to the browser (a peer that stops reading); thaw() undoes both.
 * Connections made afterwards are never frozen.
 */
export async function freezableProxy(port) {
  const pairs = new Set();
  const server = net.createServer((down) => {
    const up = net.connect(port, '127.0.0.1');
    const pair = { down, up, frozen: [] };
    pairs.add(pair);
    down.pipe(up);
    up.pipe(down);
    const end = () => { down.destroy(); up.destroy(); pairs.delete(pair); };
    down.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = (pair, from, to) => { from.unpipe(to); from.pause(); pair.frozen.push([from, to]); };
  return {
    port: server.address().port,
    url: `http://127.0.0.1:${server.address().port}`,
    connections: () => pairs.size,
    freeze() { for (const pair of pairs) { stop(pair, pair.down, pair.up); stop(pair, pair.up, pair.down); } },
    stallDownstream() { for (const pair of pairs) stop(pair, pair.up, pair.down); },
    thaw() {
      for (const pair of pairs) {
        for (const [from, to] of pair.frozen) { from.pipe(to); from.resume(); }
        pair.frozen = [];
      }
    },
    async close() {
      for (const { down, up } of pairs) { down.destroy(); up.destroy(); }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Chromium with one page on the gateway's origin whose HTML is given. The page is first loaded from the gateway
 * (its served declarations, a real response from a loopback address) and then given the HTML: a page fulfilled by
 * a Playwright route has no address of its own, and Chromium's Local Network Access checks then block its
 * WebSocket to 127.0.0.1. close() when done.
 */
export async function openPage(origin, html) {
  const browser = await launch();
  const page = await browser.context.newPage();
  const logs = [];
  page.on('console', (message) => logs.push(`[console.${message.type()}] ${message.text()}`));
  page.on('pageerror', (error) => logs.push(`[pageerror] ${error.message}`));
  await page.goto(`${origin}/client/pushgate.d.ts`);
  await page.setContent(html);
  return {
    page,
    logs,
    async screenshot(name) {
      const dir = process.env.SCREENSHOTS || join(process.cwd(), '..', 'target', 'browser-screenshots');
      mkdirSync(dir, { recursive: true });
      await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
    },
    close: () => browser.close(),
  };
}

/**
 * The page-side record both pages keep (inlined into them): every message's offset per channel, and a verdict
 * computed in the page: the offsets of `channel` are exactly 1..n, no gap and no duplicate.
 */
export const PAGE_RECORD = `
  window.got = {};
  window.events = [];
  window.record = (channel, offset, text) => {
    (window.got[channel] ||= []).push(offset);
    const line = document.createElement('div');
    line.textContent = channel + ' #' + offset + ' ' + text;
    document.getElementById('log').prepend(line);
  };
  window.note = (kind, detail) => {
    window.events.push({ kind, ...detail });
    const line = document.createElement('div');
    line.className = 'event';
    line.textContent = '[' + kind + '] ' + JSON.stringify(detail);
    document.getElementById('log').prepend(line);
  };
  window.verdict = (channel, n) => {
    const offsets = window.got[channel] || [];
    const seen = new Set();
    const duplicates = offsets.filter((o) => seen.has(o) || !seen.add(o));
    const gaps = [];
    for (let k = 1; k <= n; k++) if (!seen.has(k)) gaps.push(k);
    const ordered = offsets.every((o, i) => i === 0 || o > offsets[i - 1]);
    return { ok: duplicates.length === 0 && gaps.length === 0 && ordered && offsets.length === n, offsets, duplicates, gaps, ordered };
  };
`;

/** The page's recorded events of one kind (see PAGE_RECORD's note). */
export async function events(page, kind, filter = () => true) {
  return (await page.evaluate((k) => window.events.filter((e) => e.kind === k), kind)).filter(filter);
}

/** Publishes {n} for n = from..to, in order. */
export async function publishN(gateway, channel, from, to) {
  for (let n = from; n <= to; n++) await publish(gateway, channel, { n });
}

/** Waits until the page holds n messages of the channel, then fails unless they are exactly 1..n. */
export async function verdict(page, channel, n, what) {
  const result = await until(`${what}: ${channel} 1..${n}`, async () => {
    const v = await page.evaluate(([c, k]) => window.verdict(c, k), [channel, n]);
    return v.offsets.length >= n ? v : null;
  });
  if (!result.ok) throw new Error(`${what}: ${JSON.stringify(result)}`);
  console.log(`${what}: ${result.offsets.length} messages, offsets 1..${result.offsets.length}, no gap, no duplicate`);
}

/** Runs a scenario's steps on an open page: a screenshot at the end (or of the failure, with the page's log). */
export async function guarded(browser, name, steps) {
  try {
    await steps(browser.page);
    await browser.screenshot(name);
  } catch (error) {
    await browser.screenshot(`${name}-failed`).catch(() => {});
    console.log(browser.logs.join('\n'));
    console.log(JSON.stringify(await browser.page.evaluate(() => window.events).catch(() => 'no events')));
    throw error;
  } finally {
    await browser.close();
  }
}
