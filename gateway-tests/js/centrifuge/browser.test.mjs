// Once in a real browser: headless Chromium (Debian's, through browser/chromium.mjs) runs the SDK's browser build
// (node_modules/centrifuge/dist/centrifuge.js, added to the page by this test) against /connection/websocket: it
// connects with the browser's own WebSocket, subscribes, gets publications in order, and after an operator close
// (3011) reconnects and recovers what it missed. Run by it/centrifugo/CentrifugoBrowserTest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { launch } from '../browser/chromium.mjs';
import { ENDPOINT, PORT, WAIT, publish, closeConnections } from './support.mjs';

const SDK = fileURLToPath(new URL('../node_modules/centrifuge/dist/centrifuge.js', import.meta.url));

test('the browser build of the SDK connects, subscribes, and recovers after a reconnect', async () => {
  const { context, close } = await launch();
  try {
    const page = await context.newPage();
    const log = [];
    page.on('console', message => log.push(`console.${message.type()}: ${message.text()}`));
    page.on('pageerror', error => log.push(`page error: ${error.message}`));
    const waitFor = (what, condition) => page.waitForFunction(condition, null, { timeout: 2 * WAIT })
      .catch(e => { throw new Error(`${what}: ${e.message}\n${log.join('\n')}`); });
    // A page of the gateway's own origin: Chromium refuses a public page's (about:blank's) WebSocket to loopback.
    await page.goto(`http://127.0.0.1:${PORT}/actuator/health`);
    await page.addScriptTag({ path: SDK });
    await page.evaluate(endpoint => {
      window.events = { pubs: [], subscribed: [], connecting: [] };
      const client = new Centrifuge(endpoint, { minReconnectDelay: 1500, maxReconnectDelay: 1500 });
      client.on('connecting', ctx => window.events.connecting.push(ctx.code));
      const sub = client.newSubscription('cf.browser');
      sub.on('publication', ctx => window.events.pubs.push(ctx.data.n));
      sub.on('subscribed', ctx => window.events.subscribed.push({ wasRecovering: ctx.wasRecovering, recovered: ctx.recovered }));
      sub.subscribe();
      client.connect();
      window.client = client;
    }, ENDPOINT);
    await waitFor('subscribed', () => window.events.subscribed.length === 1);
    for (let n = 1; n <= 3; n++) {
      await publish('cf.browser', { n });
    }
    await waitFor('three publications', () => window.events.pubs.length === 3);

    await closeConnections();
    await waitFor('the reconnect after 3011', () => window.events.connecting.includes(3011));
    for (let n = 4; n <= 5; n++) {
      await publish('cf.browser', { n }); // while the browser waits to reconnect
    }
    await waitFor('the recovery', () => window.events.subscribed.length === 2 && window.events.pubs.length === 5);
    const events = await page.evaluate(() => window.events);
    assert.deepEqual(events.pubs, [1, 2, 3, 4, 5]);
    assert.deepEqual(events.subscribed[1], { wasRecovering: true, recovered: true });
    await page.evaluate(() => window.client.disconnect());
  } finally {
    await close();
  }
});
