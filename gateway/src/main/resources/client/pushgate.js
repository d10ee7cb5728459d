// pushgate.js: the JavaScript client of the pushgate gateway (docs/protocol.md, "JavaScript client").
// A dependency-free ES module, served by the gateway at /client/pushgate.js; TypeScript declarations beside it.
//
// One PushgateClient holds at most one socket at a time (a WebSocket on /ws, or an EventSource on /sse) and owns
// every timer and listener it makes: close() disposes all of them. Each channel keeps its stream position
// (offset, epoch), so every reconnect subscribes with `since` and the gateway sends exactly what was missed, or
// says it cannot (`recovered:false`), which the client hands to the application as a `notRecovered` event.

/** Close codes after which the client does not reconnect (docs/protocol.md, close codes: "no"). */
export const TERMINAL_CLOSE_CODES = Object.freeze([1002, 1008, 1009, 4005]);

/** Close codes after which the client reconnects at once (to another node), without backoff. */
export const IMMEDIATE_CLOSE_CODES = Object.freeze([1001]);

/** @returns whether the close-code table says to reconnect after `code` */
export function shouldReconnect(code) {
  return !TERMINAL_CLOSE_CODES.includes(code);
}

/**
 * Exponential backoff with full jitter: a delay drawn uniformly from [0, min(max, min * 2^attempt)), so that many
 * clients cut at once (a deploy) spread their reconnects instead of coming back together.
 * @param attempt 0 for the first retry after a working connection
 * @param random a function returning [0, 1); Math.random by default
 */
export function backoffDelay(attempt, minDelay, maxDelay, random = Math.random) {
  const n = Math.max(0, Math.min(Math.floor(attempt), 30));
  const ceiling = Math.min(maxDelay, minDelay * 2 ** n);
  return Math.floor(random() * ceiling);
}

const DEFAULTS = Object.freeze({
  transport: 'auto',          // 'auto' (WebSocket where there is one, else SSE) | 'websocket' | 'sse'
  minReconnectDelay: 500,     // ms: the first backoff ceiling
  maxReconnectDelay: 20000,   // ms: the largest backoff ceiling
  heartbeatInterval: 25000,   // ms: the gateway's gateway.heartbeat.interval
  livenessGrace: 10000,       // ms: no frame within heartbeatInterval + livenessGrace -> reconnect (WebSocket)
  refreshMargin: 10000,       // ms before the token's expiry at which the token callback is called again
});

/** The path of an endpoint next to the given gateway URL (http(s) or ws(s), with or without a path). */
function endpoint(base, path, websocket) {
  const url = new URL(base, globalThis.location ? globalThis.location.href : undefined);
  if (websocket) {
    url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  } else {
    url.protocol = url.protocol === 'wss:' || url.protocol === 'https:' ? 'https:' : 'http:';
  }
  url.pathname = url.pathname.replace(/\/(ws|sse)?$/, '') + path;
  url.search = '';
  url.hash = '';
  return url;
}

/**
 * A connection to one gateway, with its subscriptions. Events (on/off): `state` (a string), `connected`,
 * `disconnected` ({code, reason, reconnect, delay}), `closed` ({code, reason}: no reconnect will follow),
 * `subscribed` ({channel, offset, epoch, recovered}), `notRecovered` ({channel, offset, epoch, since}), `message`
 * ({channel, offset, data}), `error` ({channel, code, message} or {error}).
 */
export class PushgateClient {
  /**
   * @param url the gateway, e.g. 'https://push.example.com' or 'ws://127.0.0.1:8080/ws'
   * @param options see pushgate.d.ts (PushgateOptions)
   */
  constructor(url, options = {}) {
    this._options = { ...DEFAULTS, ...options };
    for (const key of ['minReconnectDelay', 'maxReconnectDelay', 'heartbeatInterval', 'livenessGrace', 'refreshMargin']) {
      const value = this._options[key];
      if (typeof value !== 'number' || !(value >= 0)) {
        throw new TypeError(`pushgate: option ${key} must be a number of milliseconds >= 0, got ${value}`);
      }
    }
    if (this._options.maxReconnectDelay < this._options.minReconnectDelay) {
      throw new TypeError('pushgate: maxReconnectDelay must not be below minReconnectDelay');
    }
    if (!['auto', 'websocket', 'sse'].includes(this._options.transport)) {
      throw new TypeError(`pushgate: transport must be 'auto', 'websocket' or 'sse', got ${this._options.transport}`);
    }
    if (this._options.token !== undefined && typeof this._options.token !== 'function') {
      throw new TypeError('pushgate: token must be a function returning a token (or a promise of one)');
    }
    this._url = url;
    this._WebSocket = this._options.WebSocket || globalThis.WebSocket;
    this._EventSource = this._options.EventSource || globalThis.EventSource;
    this._channels = new Map();   // name -> {handlers, offset, epoch, active}
    this._listeners = new Map();  // event -> Set of functions
    this._state = 'idle';         // idle | connecting | connected | reconnecting | closed
    this._socket = null;          // {kind, raw, detach()}
    this._timers = new Set();
    this._attempt = 0;
    this._generation = 0;         // bumped per socket: late callbacks of an old socket find a new number and stop
    this._nextId = 1;
    this._pending = new Map();    // command id -> channel
    this._expires = null;         // the token's expiry, ms since the epoch (jwt mode)
  }

  /** 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed' */
  get state() { return this._state; }

  /** The transport in use or about to be: 'websocket' or 'sse'. */
  get transport() {
    const wanted = this._options.transport;
    if (wanted === 'sse' || (wanted === 'auto' && !this._WebSocket)) return 'sse';
    return 'websocket';
  }

  /** The stream position held for a channel ({offset, epoch}), or undefined. */
  position(channel) {
    const state = this._channels.get(channel);
    return state && state.epoch !== undefined ? { offset: state.offset, epoch: state.epoch } : undefined;
  }

  on(event, listener) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(listener);
    return () => this.off(event, listener);
  }

  off(event, listener) {
    const set = this._listeners.get(event);
    if (set) set.delete(listener);
  }

  /** Opens the connection (again after close() is not possible: make a new client). */
  connect() {
    if (this._state === 'closed') throw new Error('pushgate: this client was closed; create a new one');
    if (this._state !== 'idle') return this;
    if (this.transport === 'websocket' && !this._WebSocket) throw new Error('pushgate: no WebSocket: pass options.WebSocket');
    if (this.transport === 'sse' && !this._EventSource) throw new Error('pushgate: no EventSource: pass options.EventSource');
    this._setState('connecting');
    this._open();
    return this;
  }

  /**
   * Subscribes to a channel; `handlers` may be a function (each message) or {onMessage, onSubscribed,
   * onNotRecovered, onError}. `since` ({offset, epoch}) starts from a position the application stored.
   * @returns a subscription with unsubscribe()
   */
  subscribe(channel, handlers = {}, since = undefined) {
    if (typeof channel !== 'string' || channel.length === 0) throw new TypeError('pushgate: a channel is a non-empty string');
    if (this._channels.has(channel)) throw new Error(`pushgate: already subscribed to ${channel}`);
    const own = typeof handlers === 'function' ? { onMessage: handlers } : { ...handlers };
    const state = { handlers: own, offset: since ? since.offset : undefined, epoch: since ? since.epoch : undefined, active: false };
    this._channels.set(channel, state);
    if (this._state === 'connected') {
      if (this._socket.kind === 'websocket') this._sendSubscribe(channel, state);
      else this._reopen(); // an event stream's channels are its URL's
    }
    return { channel, unsubscribe: () => this.unsubscribe(channel) };
  }

  unsubscribe(channel) {
    if (!this._channels.delete(channel)) return;
    if (this._state === 'connected') {
      if (this._socket.kind === 'websocket') this._send({ op: 'unsubscribe', channel, id: this._nextId++ });
      else this._reopen();
    }
  }

  /** Closes the socket and disposes every timer and listener; no reconnect follows. */
  close() {
    if (this._state === 'closed') return;
    this._dispose(1000, 'client close');
    this._setState('closed');
    this._emit('closed', { code: 1000, reason: 'client close' });
    this._listeners.clear();
  }

  // --- connection lifecycle -------------------------------------------------------------------------------------

  async _open() {
    const generation = ++this._generation;
    let token;
    if (this._options.token) {
      try {
        token = await this._options.token();
      } catch (error) {
        if (generation !== this._generation) return;
        this._emit('error', { error });
        this._lost(1006, 'token callback failed', true);
        return;
      }
      if (generation !== this._generation) return; // closed (or replaced) while the token came
    }
    this._token = token;
    try {
      this._socket = this.transport === 'websocket' ? this._openWebSocket(generation, token) : this._openEventSource(generation, token);
    } catch (error) {
      this._emit('error', { error });
      this._lost(1006, String(error && error.message || error), true);
    }
  }

  _openWebSocket(generation, token) {
    const raw = new this._WebSocket(endpoint(this._url, '/ws', true).toString());
    const onOpen = () => {
      if (generation !== this._generation) return;
      this._armLiveness();
      if (token) {
        this._send({ op: 'connect', token, id: 0 });
      } else {
        this._ready();
      }
    };
    const onMessage = (event) => {
      if (generation !== this._generation) return;
      this._armLiveness();
      const text = typeof event.data === 'string' ? event.data : String(event.data);
      let frame;
      try { frame = JSON.parse(text); } catch { return; } // the gateway sends JSON only
      this._frame(frame);
    };
    const onClose = (event) => {
      if (generation !== this._generation) return;
      this._lost(event.code, event.reason, shouldReconnect(event.code));
    };
    const onError = () => { /* a close event always follows */ };
    raw.addEventListener('open', onOpen);
    raw.addEventListener('message', onMessage);
    raw.addEventListener('close', onClose);
    raw.addEventListener('error', onError);
    return {
      kind: 'websocket',
      raw,
      send: (text) => raw.send(text),
      detach: (code, reason) => {
        raw.removeEventListener('open', onOpen);
        raw.removeEventListener('message', onMessage);
        raw.removeEventListener('close', onClose);
        raw.removeEventListener('error', onError);
        try { raw.close(code, reason); } catch { /* already closing */ }
      },
    };
  }

  _openEventSource(generation, token) {
    const url = endpoint(this._url, '/sse', false);
    const names = [...this._channels.keys()];
    for (const name of names) url.searchParams.append('channel', name);
    // The event id of a stream holds every channel's position in URL order (docs/protocol.md, SSE): built from the
    // positions this client holds, so a new stream (new channels, a fresh token) recovers like a reconnect.
    const id = names.map((name) => {
      const state = this._channels.get(name);
      return state.epoch !== undefined && state.offset !== undefined ? `${state.offset}:${state.epoch}` : '';
    });
    if (id.some((entry) => entry !== '')) url.searchParams.set('lastEventId', id.join(','));
    if (token) url.searchParams.set('token', token);
    const raw = new this._EventSource(url.toString());
    const listeners = {};
    const on = (type, handler) => {
      listeners[type] = (event) => { if (generation === this._generation) handler(event); };
      raw.addEventListener(type, listeners[type]);
    };
    const frame = (event) => {
      let parsed;
      try { parsed = JSON.parse(event.data); } catch { return; }
      this._frame(parsed);
    };
    on('open', () => { if (!token) this._ready(); });
    for (const type of ['subscribed', 'not_recovered', 'message', 'insufficient_state', 'connected', 'error', 'close']) {
      if (type === 'error') {
        on('error', (event) => {
          if (event.data !== undefined) { frame(event); return; } // the gateway's error event (a refused channel)
          // A network error or a refused stream (401, 503): the browser's own retry would reuse this URL, with its
          // old token and id; this client reconnects itself instead.
          this._lost(1006, 'event stream failed', true);
        });
      } else if (type === 'close') {
        on('close', (event) => {
          let detail = {};
          try { detail = JSON.parse(event.data); } catch { /* keep defaults */ }
          const code = typeof detail.code === 'number' ? detail.code : 1006;
          this._lost(code, detail.reason || '', detail.reconnect !== false && shouldReconnect(code));
        });
      } else {
        on(type, frame);
      }
    }
    return {
      kind: 'sse',
      raw,
      channels: names.join('\n'),
      send: () => { /* an event stream takes no commands */ },
      detach: () => {
        for (const [type, listener] of Object.entries(listeners)) raw.removeEventListener(type, listener);
        raw.close();
      },
    };
  }

  /** The socket can carry subscriptions: (re)subscribe every channel, with since where a position is held. */
  _ready() {
    this._attempt = 0;
    this._setState('connected');
    this._emit('connected', { transport: this._socket ? this._socket.kind : this.transport });
    if (this._socket && this._socket.kind === 'websocket') {
      for (const [channel, state] of this._channels) this._sendSubscribe(channel, state);
    } else if (this._socket && this._socket.channels !== [...this._channels.keys()].join('\n')) {
      this._reopen(); // (un)subscribed while this stream was being opened: its URL names other channels
      return;
    }
    this._armRefresh();
  }

  _sendSubscribe(channel, state) {
    state.active = false;
    const id = this._nextId++;
    this._pending.set(id, channel);
    const command = { op: 'subscribe', channel, id };
    if (state.epoch !== undefined && state.offset !== undefined) command.since = { offset: state.offset, epoch: state.epoch };
    this._send(command);
  }

  _send(command) {
    if (!this._socket) return;
    try { this._socket.send(JSON.stringify(command)); } catch { /* closing: the close event reconnects */ }
  }

  /** The socket is gone (or given up): dispose it, then reconnect by the close-code table, or stop. */
  _lost(code, reason, reconnect) {
    if (this._state === 'closed') return;
    this._dispose(4000, 'reconnecting');
    if (!reconnect) {
      this._setState('closed');
      this._emit('disconnected', { code, reason, reconnect: false });
      this._emit('closed', { code, reason });
      this._listeners.clear();
      return;
    }
    const { minReconnectDelay, maxReconnectDelay } = this._options;
    const delay = IMMEDIATE_CLOSE_CODES.includes(code) && this._attempt === 0
      ? backoffDelay(0, Math.min(minReconnectDelay, 1000), Math.min(minReconnectDelay, 1000))
      : backoffDelay(this._attempt, minReconnectDelay, maxReconnectDelay);
    this._attempt++;
    this._setState('reconnecting');
    this._emit('disconnected', { code, reason, reconnect: true, delay });
    this._later(delay, () => {
      this._setState('connecting');
      this._open();
    });
  }

  /** Detaches and closes the socket, cancels every timer; positions and handlers stay. */
  _dispose(code, reason) {
    this._generation++;
    for (const timer of this._timers) clearTimeout(timer);
    this._timers.clear();
    this._liveness = null;
    this._pending.clear();
    const socket = this._socket;
    this._socket = null;
    if (socket) socket.detach(code, reason);
    for (const state of this._channels.values()) state.active = false;
  }

  _reopen() {
    if (this._state !== 'connected') return;
    this._dispose(4000, 'reopening');
    this._setState('connecting');
    this._open();
  }

  _later(delay, task) {
    const timer = setTimeout(() => {
      this._timers.delete(timer);
      task();
    }, delay);
    this._timers.add(timer);
    return timer;
  }

  /** WebSocket only: an event stream's heartbeats are comments, which EventSource never shows to a page. */
  _armLiveness() {
    if (!this._socket || this._socket.kind !== 'websocket') return;
    if (this._liveness) {
      clearTimeout(this._liveness);
      this._timers.delete(this._liveness);
    }
    const { heartbeatInterval, livenessGrace } = this._options;
    this._liveness = this._later(heartbeatInterval + livenessGrace, () => {
      this._liveness = null;
      this._lost(4000, 'no frame within heartbeat + grace', true);
    });
  }

  _armRefresh() {
    if (!this._options.token || this._expires == null) return;
    const delay = Math.max(1000, this._expires - Date.now() - this._options.refreshMargin);
    this._later(delay, () => this._refresh());
  }

  async _refresh() {
    const generation = this._generation;
    let token;
    try {
      token = await this._options.token();
    } catch (error) {
      if (generation === this._generation) this._emit('error', { error });
      return; // the old token holds until it expires; the gateway then closes with 4006 and the reconnect asks again
    }
    if (generation !== this._generation || !token || !this._socket) return;
    if (this._socket.kind === 'websocket') {
      this._send({ op: 'refresh', token, id: this._nextId++ });
    } else {
      this._reopen(); // an event stream cannot take a new token: a new stream recovers from the positions held
    }
  }

  // --- frames ---------------------------------------------------------------------------------------------------

  _frame(frame) {
    switch (frame.op) {
      case 'message': return this._message(frame);
      case 'subscribed': return this._subscribed(frame);
      case 'insufficient_state': return this._insufficientState(frame);
      case 'connected':
        this._expires = typeof frame.expires === 'number' ? frame.expires * 1000 : null;
        if (this._state !== 'connected') this._ready();
        return undefined;
      case 'refreshed':
        this._expires = typeof frame.expires === 'number' ? frame.expires * 1000 : null;
        this._armRefresh();
        return undefined;
      case 'error': return this._error(frame);
      default: return undefined; // heartbeat, unsubscribed, and whatever a newer gateway adds
    }
  }

  _message(frame) {
    const state = this._channels.get(frame.channel);
    if (!state) return;
    if (typeof frame.offset === 'number') state.offset = frame.offset;
    const message = { channel: frame.channel, offset: frame.offset, data: frame.data };
    this._call(state.handlers.onMessage, message);
    this._emit('message', message);
  }

  _subscribed(frame) {
    if (frame.id !== undefined) this._pending.delete(frame.id);
    const state = this._channels.get(frame.channel);
    if (!state) return;
    const since = state.epoch !== undefined && state.offset !== undefined ? { offset: state.offset, epoch: state.epoch } : undefined;
    state.active = true;
    state.epoch = frame.epoch;
    if (frame.recovered === true) {
      // The missed messages follow and move the offset; until then the held offset is what was processed.
    } else {
      state.offset = frame.offset;
    }
    const event = { channel: frame.channel, offset: frame.offset, epoch: frame.epoch, recovered: frame.recovered === true };
    this._call(state.handlers.onSubscribed, event);
    this._emit('subscribed', event);
    if (since && frame.recovered === false) {
      const lost = { channel: frame.channel, offset: frame.offset, epoch: frame.epoch, since };
      this._call(state.handlers.onNotRecovered, lost);
      this._emit('notRecovered', lost);
    }
  }

  _insufficientState(frame) {
    const state = this._channels.get(frame.channel);
    if (!state || this._state !== 'connected') return;
    if (this._socket.kind === 'websocket') this._sendSubscribe(frame.channel, state); // the server unsubscribed it
    else this._reopen();
  }

  _error(frame) {
    const channel = frame.id !== undefined ? this._pending.get(frame.id) : undefined;
    if (frame.id !== undefined) this._pending.delete(frame.id);
    const event = { channel: channel ?? frame.channel, code: frame.code, message: frame.message };
    const state = event.channel !== undefined ? this._channels.get(event.channel) : undefined;
    if (state) this._call(state.handlers.onError, event);
    this._emit('error', event);
    if (state && channel !== undefined && frame.code === 'broker_unavailable') {
      // The subscribe did not happen (docs/protocol.md): send it again after a backoff, on this socket.
      const generation = this._generation;
      this._later(backoffDelay(1, this._options.minReconnectDelay, this._options.maxReconnectDelay), () => {
        if (generation === this._generation && this._channels.get(channel) === state) this._sendSubscribe(channel, state);
      });
    }
  }

  // --- events ---------------------------------------------------------------------------------------------------

  _setState(state) {
    if (this._state === state) return;
    this._state = state;
    this._emit('state', state);
  }

  _emit(event, value) {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) this._call(listener, value);
  }

  _call(fn, value) {
    if (typeof fn !== 'function') return;
    try { fn(value); } catch (error) {
      // An application handler's exception must not break the client's bookkeeping: reported asynchronously (as an
      // uncaught error), with no timer to dispose.
      queueMicrotask(() => { throw error; });
    }
  }
}

/** new PushgateClient(url, options).connect() */
export function connect(url, options) {
  return new PushgateClient(url, options).connect();
}
