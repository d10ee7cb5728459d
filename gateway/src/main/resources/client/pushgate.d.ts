// Type declarations of pushgate.js, the JavaScript client of the pushgate gateway (docs/protocol.md).

/** A channel's stream position: the offset of the last message processed and the stream's epoch. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

export interface Message<T = unknown> {
  channel: string;
  offset: number;
  data: T;
}

export interface SubscribedEvent {
  channel: string;
  /** the stream's position when the subscription was made */
  offset: number;
  epoch: string;
  /** true when the messages missed since the held position follow */
  recovered: boolean;
}

/** A reconnect could not recover the channel: the missed messages will not come; reload the state. */
export interface NotRecoveredEvent {
  channel: string;
  /** the stream's position now: messages above it follow */
  offset: number;
  epoch: string;
  /** the position the client asked to recover from */
  since: StreamPosition;
}

export interface ChannelError {
  channel?: string;
  /** the gateway's error code (docs/protocol.md): forbidden, invalid_channel, broker_unavailable, ... */
  code?: string;
  message?: string;
  /** a failure of the client itself (a token callback that threw, a socket that could not be made) */
  error?: unknown;
}

export interface DisconnectedEvent {
  code: number;
  reason: string;
  /** false after a close code the table says not to reconnect after (1002, 1008, 1009, 4005) */
  reconnect: boolean;
  /** ms until the next attempt, when reconnect is true */
  delay?: number;
}

export interface ChannelHandlers<T = unknown> {
  onMessage?(message: Message<T>): void;
  onSubscribed?(event: SubscribedEvent): void;
  onNotRecovered?(event: NotRecoveredEvent): void;
  onError?(error: ChannelError): void;
}

export type ClientState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface PushgateOptions {
  /**
   * Called before every connection attempt and again refreshMargin ms before the token's expiry (jwt mode).
   * Omit it when the gateway runs with gateway.auth.mode=none.
   */
  token?: () => string | Promise<string>;
  /** 'auto' (default): WebSocket where there is one, else Server-Sent Events; or force one. */
  transport?: 'auto' | 'websocket' | 'sse';
  /** The WebSocket constructor (default: globalThis.WebSocket; in Node 20, pass the `ws` package's). */
  WebSocket?: new (url: string) => WebSocket;
  /** The EventSource constructor (default: globalThis.EventSource). */
  EventSource?: new (url: string) => EventSource;
  /** ms, default 500: the backoff's first ceiling. */
  minReconnectDelay?: number;
  /** ms, default 20000: the backoff's largest ceiling. */
  maxReconnectDelay?: number;
  /** ms, default 25000: the gateway's gateway.heartbeat.interval. */
  heartbeatInterval?: number;
  /** ms, default 10000: a WebSocket that brings no frame within heartbeatInterval + livenessGrace is replaced. */
  livenessGrace?: number;
  /** ms, default 10000: how long before the token's expiry the token callback is called again. */
  refreshMargin?: number;
}

export interface Subscription {
  readonly channel: string;
  unsubscribe(): void;
}

export interface ClientEvents {
  state: ClientState;
  connected: { transport: 'websocket' | 'sse' };
  disconnected: DisconnectedEvent;
  closed: { code: number; reason: string };
  subscribed: SubscribedEvent;
  notRecovered: NotRecoveredEvent;
  message: Message;
  error: ChannelError;
}

export class PushgateClient {
  /** @param url the gateway: 'https://push.example.com', 'ws://127.0.0.1:8080/ws', ... */
  constructor(url: string | URL, options?: PushgateOptions);
  readonly state: ClientState;
  readonly transport: 'websocket' | 'sse';
  connect(): this;
  subscribe<T = unknown>(channel: string, handlers?: ChannelHandlers<T> | ((message: Message<T>) => void),
                         since?: StreamPosition): Subscription;
  unsubscribe(channel: string): void;
  /** The position held for a channel, to store and pass as `since` to a later client. */
  position(channel: string): StreamPosition | undefined;
  on<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): () => void;
  off<E extends keyof ClientEvents>(event: E, listener: (value: ClientEvents[E]) => void): void;
  /** Closes the socket and disposes every timer and listener; no reconnect follows. */
  close(): void;
}

/** new PushgateClient(url, options).connect() */
export function connect(url: string | URL, options?: PushgateOptions): PushgateClient;

/** Full-jitter exponential backoff: uniform in [0, min(maxDelay, minDelay * 2^attempt)). */
export function backoffDelay(attempt: number, minDelay: number, maxDelay: number, random?: () => number): number;

/** Whether the close-code table says to reconnect after this code. */
export function shouldReconnect(code: number): boolean;

/** 1002, 1008, 1009, 4005: no reconnect. */
export const TERMINAL_CLOSE_CODES: readonly number[];
/** 1001: reconnect at once (jitter below min(minReconnectDelay, 1 s)). */
export const IMMEDIATE_CLOSE_CODES: readonly number[];
