// The admin page's one script (served at /admin/ui/admin.js, no build step, no dependency). It polls
// GET /admin/stats with the credential the operator typed (kept in this tab's sessionStorage, sent as
// Authorization: Bearer), keeps a bounded ring of samples, and draws them as small SVG line charts. The page
// itself carries no data: without a valid credential every call gets the gateway's 401/403 and the page shows
// that error and nothing else (docs/security.md, "The admin page").

const STORAGE_KEY = 'pushgate.admin.credential';
const CAPACITY = 180; // samples kept: 6 minutes at the default interval, never more
const TOP = 10;
const PALETTE = 8;
const SVG = 'http://www.w3.org/2000/svg';

const params = new URLSearchParams(location.search);
const INTERVAL_MS = clamp(Number(params.get('interval')) || 2000, 250, 60000);

const $ = (id) => document.getElementById(id);

/** A fixed-size ring: push drops the oldest once full. */
class Ring {
  constructor(capacity) { this.capacity = capacity; this.items = []; }
  push(item) { this.items.push(item); if (this.items.length > this.capacity) this.items.shift(); }
  clear() { this.items.length = 0; }
  get last() { return this.items[this.items.length - 1]; }
  get size() { return this.items.length; }
}

const samples = new Ring(CAPACITY); // {time, connections, ..., rates: {deliveries, drops: {}, disconnects: {}}}
let timer = null;
let previous = null; // the last raw answer, for rates
let generation = 0; // a new credential starts a new generation; late answers of an older one are dropped

function clamp(n, lo, hi) { return Math.max(lo, Math.min(hi, n)); }

function credential() { return sessionStorage.getItem(STORAGE_KEY) || ''; }

function headers() {
  const c = credential();
  return c ? { Authorization: `Bearer ${c}` } : {};
}

/** Calls the admin API; resolves the JSON body or rejects with an Error whose message is the gateway's. */
async function call(method, path) {
  let response;
  try {
    response = await fetch(path, { method, headers: headers(), cache: 'no-store', credentials: 'omit' });
  } catch (e) {
    throw Object.assign(new Error(`the gateway did not answer (${e.message})`), { status: 0 });
  }
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: described below by status */ }
  if (!response.ok) {
    const detail = body && body.message ? `${body.error}: ${body.message}` : response.statusText;
    throw Object.assign(new Error(`${response.status} ${detail}`), { status: response.status });
  }
  return body;
}

// ---- polling

function start() {
  stop();
  generation++;
  samples.clear();
  previous = null;
  poll(generation);
}

function stop() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
}

async function poll(gen) {
  try {
    const stats = await call('GET', `/admin/stats?top=${TOP}`);
    if (gen !== generation) return;
    record(stats);
    showError(null);
    render(stats);
    $('status').textContent = `Live: ${samples.size} sample(s), every ${INTERVAL_MS / 1000} s; last ${new Date(stats.time).toLocaleTimeString()}`;
  } catch (e) {
    if (gen !== generation) return;
    if (e.status === 401 || e.status === 403) {
      // Refused: show nothing of what an earlier credential saw, and wait for a new one.
      clearData();
      showError(`${e.message}. Type the admin credential (gateway.api.key, or a server token with the admin scope).`);
      $('status').textContent = 'Not connected.';
      return;
    }
    showError(`${e.message}; retrying.`);
  }
  timer = setTimeout(() => poll(gen), INTERVAL_MS);
}

/** Turns an answer into a sample; rates come from the counters' change since the previous answer. */
function record(stats) {
  const sample = {
    time: stats.time,
    connections: stats.connections,
    subscriptions: stats.subscriptions,
    channels: stats.channels,
    orphans: { ...stats.orphansReclaimed },
    deliveries: null,
    drops: null,
    disconnects: null,
  };
  if (previous && stats.time > previous.time) {
    const seconds = (stats.time - previous.time) / 1000;
    // A counter that went down means a restarted gateway: no rate for that step.
    const rate = (now, before) => (now >= before ? (now - before) / seconds : 0);
    sample.deliveries = rate(stats.delivered, previous.delivered);
    sample.drops = rates(stats.dropped, previous.dropped, rate);
    sample.disconnects = rates(stats.disconnects, previous.disconnects, rate);
  }
  previous = stats;
  samples.push(sample);
}

function rates(now, before, rate) {
  const out = {};
  for (const [key, value] of Object.entries(now || {})) out[key] = rate(value, (before || {})[key] ?? value);
  return out;
}

// ---- rendering

function render(stats) {
  $('dashboard').hidden = false;
  const items = samples.items;
  text('value-connections', String(stats.connections));
  text('value-connection-limit', `of ${stats.connectionLimit}`);
  text('value-subscriptions', String(stats.subscriptions));
  text('value-channels', String(stats.channels));
  text('value-delivered', String(stats.delivered));
  const last = samples.last;
  text('value-deliveries', last.deliveries === null ? '-' : last.deliveries.toFixed(1));
  text('value-drops', last.drops === null ? '-' : sum(last.drops).toFixed(1));
  text('value-disconnects', last.disconnects === null ? '-' : sum(last.disconnects).toFixed(1));
  text('value-orphans', String(sum(stats.orphansReclaimed)));

  chart('chart-connections', items, { connections: (s) => s.connections });
  chart('chart-subscriptions', items, { subscriptions: (s) => s.subscriptions });
  chart('chart-channels', items, { channels: (s) => s.channels });
  chart('chart-deliveries', items, { deliveries: (s) => s.deliveries });
  byKey('drops', items, (s) => s.drops);
  byKey('disconnects', items, (s) => s.disconnects);
  byKey('orphans', items, (s) => s.orphans);
  table(stats.topChannels || []);
}

/** One series per key that was not zero somewhere in the window (16 disconnect reasons would be noise). */
function byKey(name, items, field) {
  const keys = new Set();
  for (const s of items) {
    for (const [key, value] of Object.entries(field(s) || {})) if (value > 0) keys.add(key);
  }
  const series = {};
  for (const key of [...keys].sort()) series[key] = (s) => (field(s) ? field(s)[key] ?? 0 : null);
  chart(`chart-${name}`, items, series);
  const legend = $(`legend-${name}`);
  legend.replaceChildren(...Object.keys(series).map((key, i) => {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch c${i % PALETTE}`;
    const value = series[key](samples.last);
    li.append(swatch, `${key} ${value === null ? '-' : Number.isInteger(value) ? value : value.toFixed(1)}`);
    return li;
  }));
}

/** Draws each series as a polyline over the samples that have a value; the y axis starts at 0. */
function chart(id, items, series) {
  const svg = $(id);
  const [width, height] = [300, 80];
  let max = 1;
  for (const value of Object.values(series)) {
    for (const s of items) { const v = value(s); if (v !== null && v > max) max = v; }
  }
  const step = width / Math.max(1, CAPACITY - 1);
  const offset = width - step * (items.length - 1); // newest on the right edge
  const lines = Object.entries(series).map(([key, value], i) => {
    const points = [];
    items.forEach((s, j) => {
      const v = value(s);
      if (v !== null && v !== undefined) points.push(`${(offset + j * step).toFixed(1)},${(height - 2 - (v / max) * (height - 6)).toFixed(1)}`);
    });
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('class', `c${i % PALETTE}`);
    line.setAttribute('points', points.join(' '));
    line.dataset.series = key;
    return line;
  });
  const scale = document.createElementNS(SVG, 'text');
  scale.setAttribute('x', '3');
  scale.setAttribute('y', '10');
  scale.setAttribute('font-size', '9');
  scale.setAttribute('fill', '#8a91a0');
  scale.textContent = `max ${Number.isInteger(max) ? max : max.toFixed(1)}`;
  svg.replaceChildren(scale, ...lines);
  svg.dataset.samples = String(items.length);
}

function table(rows) {
  const body = $('top-channels').tBodies[0];
  body.replaceChildren(...rows.map((row) => {
    const tr = document.createElement('tr');
    for (const value of [row.channel, String(row.subscribers)]) {
      const td = document.createElement('td');
      td.textContent = value; // text, never markup: a channel name is chosen by a client
      tr.append(td);
    }
    return tr;
  }));
}

function clearData() {
  stop();
  samples.clear();
  previous = null;
  $('dashboard').hidden = true;
  for (const el of document.querySelectorAll('#dashboard output, #dashboard small > span')) el.textContent = '-';
  for (const el of document.querySelectorAll('#dashboard .chart')) { el.replaceChildren(); el.dataset.samples = '0'; }
  for (const el of document.querySelectorAll('#dashboard .legend')) el.replaceChildren();
  $('top-channels').tBodies[0].replaceChildren();
  $('action-result').textContent = '';
}

function showError(message) {
  $('error').hidden = message === null;
  $('error').textContent = message ?? '';
}

function text(id, value) { $(id).textContent = value; }

function sum(map) { return Object.values(map || {}).reduce((a, b) => a + b, 0); }

// ---- actions

async function action(button, method, path, describe) {
  const result = $('action-result');
  button.disabled = true;
  result.textContent = `${button.textContent}: running...`;
  delete result.dataset.outcome;
  try {
    const body = await call(method, path);
    result.textContent = describe(body);
    result.dataset.outcome = 'ok';
  } catch (e) {
    result.textContent = `${button.textContent} failed: ${e.message}`;
    result.dataset.outcome = 'error';
  } finally {
    button.disabled = false;
  }
}

$('audit').addEventListener('click', (event) => action(event.currentTarget, 'POST', '/admin/audit', (r) =>
  `audit: checked ${r.connectionsChecked} connection(s) and ${r.subscriptionsChecked} subscription(s); ` +
  `reclaimed ${r.orphanSubscriptions} orphan subscription(s), ${r.orphanConnections} orphan connection(s)`));

$('sweep').addEventListener('click', (event) => {
  const timeout = clamp(Math.round(Number($('sweep-timeout').value)) || 5000, 1, 60000);
  action(event.currentTarget, 'POST', `/admin/sweep?timeoutMillis=${timeout}`, (r) =>
    `sweep: probed ${r.probed} connection(s), closed ${r.closed} that did not answer within ${r.timeoutMillis} ms`);
});

$('login').addEventListener('submit', (event) => {
  event.preventDefault(); // never a form navigation: the credential stays in this tab
  sessionStorage.setItem(STORAGE_KEY, $('credential').value.trim());
  $('credential').value = '';
  start();
});

$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(STORAGE_KEY);
  generation++;
  clearData();
  showError(null);
  $('status').textContent = 'Credential forgotten.';
});

// With no credential stored the first call goes without one: a gateway that lets loopback in (no key configured)
// answers it, any other answers 401 and the page says so.
start();
