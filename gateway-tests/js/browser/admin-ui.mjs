// The admin page in a real browser (Debian's Chromium): run by AdminUiBrowserTest against a gateway it started.
// Env: PUSHGATE_PORT, PUSHGATE_API_KEY, PUSHGATE_BASE_CONNECTIONS (connections the JUnit test holds open),
// PUSHGATE_SCREENSHOT (a PNG path). Exits non-zero on the first failed check; prints one "ok ..." line per check.
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { launch } from './chromium.mjs';

const port = Number(process.env.PUSHGATE_PORT);
const key = process.env.PUSHGATE_API_KEY;
const base = Number(process.env.PUSHGATE_BASE_CONNECTIONS);
const screenshot = process.env.PUSHGATE_SCREENSHOT;
assert.ok(port > 0 && key && base >= 0 && screenshot, 'PUSHGATE_PORT, _API_KEY, _BASE_CONNECTIONS, _SCREENSHOT');

const origin = `http://127.0.0.1:${port}`;
const WAIT = 30_000; // loose: two shared cores, several builds at once
const ok = (what) => console.log(`ok ${what}`);

/** gateway_connections_active as the gateway's own scrape shows it. */
async function scrapedConnections() {
  const text = await (await fetch(`${origin}/actuator/prometheus`)).text();
  const line = text.split('\n').find((l) => l.startsWith('gateway_connections_active'));
  return Number(line.split(/\s+/)[1]);
}

async function publish(channel, data) {
  const response = await fetch(`${origin}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ channel, data }),
  });
  assert.equal(response.status, 200, `publish to ${channel}`);
}

function subscriber(channel) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?channel=${channel}`);
    const timer = setTimeout(() => reject(new Error(`no subscribed frame on ${channel}`)), WAIT);
    socket.on('message', (frame) => {
      if (JSON.parse(frame.toString()).op === 'subscribed') { clearTimeout(timer); resolve(socket); }
    });
    socket.on('error', reject);
  });
}

const browser = await launch();
const sockets = [];
try {
  const page = await browser.context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // The refused calls themselves are logged by Chromium as failed loads: expected here, nothing else is.
    if (m.type() === 'error' && !/status of 40[13]/.test(m.text())) problems.push(`console: ${m.text()}`);
  });

  // 1. No credential: the gateway's 401 and nothing else.
  await page.goto(`${origin}/admin/ui?interval=500`);
  await page.locator('#error').filter({ hasText: '401' }).waitFor({ timeout: WAIT });
  assert.match(await page.textContent('#error'), /401 unauthorized: missing Authorization/);
  assert.equal(await page.isHidden('#dashboard'), true, 'the dashboard stays hidden');
  assert.equal(await page.textContent('#value-connections'), '-');
  assert.equal(await page.getAttribute('#chart-connections', 'data-samples'), '0');
  assert.equal(await page.locator('#top-channels tbody tr').count(), 0);
  ok('without a credential the page shows the 401 and no data');

  // 2. A wrong credential: the same, with the gateway's reason.
  await page.fill('#credential', 'wrong');
  await page.click('#login button[type=submit]');
  await page.locator('#error').filter({ hasText: 'invalid API key' }).waitFor({ timeout: WAIT });
  assert.equal(await page.isHidden('#dashboard'), true);
  ok('a wrong credential shows the 401 and no data');

  // 3. The key: live numbers, equal to what the gateway counts.
  await page.fill('#credential', key);
  await page.click('#login button[type=submit]');
  await page.locator('#dashboard').waitFor({ state: 'visible', timeout: WAIT });
  await page.waitForFunction((n) => document.getElementById('value-connections').textContent === String(n), base, { timeout: WAIT });
  assert.equal(await page.isHidden('#error'), true, 'no error once connected');
  ok(`the page shows the ${base} connection(s) the test holds`);

  // 4. Numbers move: two more subscribers, and messages published while the page watches.
  sockets.push(await subscriber('ui-news'), await subscriber('ui-news'));
  const expected = base + 2;
  for (let i = 0; i < 5; i++) await publish('ui-news', { n: i });
  await page.waitForFunction((n) => document.getElementById('value-connections').textContent === String(n), expected, { timeout: WAIT });
  assert.equal(await scrapedConnections(), expected, 'the scrape agrees with the page');
  await page.waitForFunction(() => Number(document.getElementById('value-delivered').textContent) >= 10, null, { timeout: WAIT });
  await page.waitForFunction(() => Number(document.getElementById('chart-connections').dataset.samples) > 3, null, { timeout: WAIT });
  const points = await page.getAttribute('#chart-connections polyline', 'points');
  assert.ok(points.trim().split(/\s+/).length > 3, `the connections chart has a line of samples: ${points}`);
  const rows = await page.$$eval('#top-channels tbody tr', (trs) => trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
  assert.ok(rows.some(([channel, n]) => channel === 'ui-news' && Number(n) === base + 2),
    `ui-news with ${base + 2} subscribers in the biggest channels: ${JSON.stringify(rows)}`);
  assert.deepEqual(rows[0], ['ui-news', String(base + 2)], 'the biggest channel first');
  ok(`live numbers: ${expected} connections (the scrape agrees), deliveries counted, ${rows.length} channel row(s), a chart of samples`);

  // 5. Disconnects by reason move too: one subscriber leaves.
  sockets.pop().close(1000);
  await page.waitForFunction((n) => document.getElementById('value-connections').textContent === String(n), expected - 1, { timeout: WAIT });
  await page.locator('#legend-disconnects li', { hasText: 'client_close' }).waitFor({ timeout: WAIT });
  ok('a client close shows in the connections and in the disconnects by reason');

  // 6. The buttons: audit and sweep, and their results.
  await page.click('#audit');
  await page.locator('#action-result[data-outcome=ok]').waitFor({ timeout: WAIT });
  const audit = await page.textContent('#action-result');
  assert.match(audit, /^audit: checked \d+ connection\(s\) and \d+ subscription\(s\); reclaimed 0 orphan subscription\(s\), 0 orphan connection\(s\)$/);
  ok(audit);
  await page.fill('#sweep-timeout', '1000');
  await page.click('#sweep');
  await page.locator('#action-result[data-outcome=ok]', { hasText: 'sweep' }).waitFor({ timeout: WAIT });
  const sweep = await page.textContent('#action-result');
  assert.match(sweep, new RegExp(`^sweep: probed ${expected - 1} connection\\(s\\), closed 0 that did not answer within 1000 ms$`));
  ok(sweep);

  await page.screenshot({ path: screenshot, fullPage: true });
  ok(`screenshot ${screenshot}`);

  // 7. A refused call after data was shown takes every figure away, not only the next ones.
  await page.fill('#credential', 'revoked');
  await page.click('#login button[type=submit]');
  await page.locator('#error').filter({ hasText: 'invalid API key' }).waitFor({ timeout: WAIT });
  await page.locator('#dashboard').waitFor({ state: 'hidden', timeout: WAIT });
  assert.equal(await page.textContent('#value-connections'), '-');
  assert.equal(await page.getAttribute('#chart-connections', 'data-samples'), '0');
  assert.equal(await page.locator('#top-channels tbody tr').count(), 0);
  assert.equal(await page.textContent('#action-result'), '');
  ok('a refused credential after live data leaves no figure on the page');

  // 8. Forget: the credential leaves this tab's storage.
  await page.click('#forget');
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.reload();
  await page.locator('#error').filter({ hasText: '401' }).waitFor({ timeout: WAIT });
  ok('forget removes the stored credential: a reload is refused again');

  assert.deepEqual(problems, [], 'no script error, no Content-Security-Policy violation');
  ok('no page error or policy violation');
} finally {
  for (const socket of sockets) socket.terminate();
  await browser.close();
}
