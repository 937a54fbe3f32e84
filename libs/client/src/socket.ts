/** An event handler checked bivariantly, so that the DOM's and the `ws` package's event types both fit. */
type Handler<E> = { bivarianceHack(ev: E): void }['bivarianceHack'];

/** The part of the WebSocket API d1's clients use; the browser's WebSocket and the `ws` package both fit. */
export interface WebSocketLike {
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  close(code?: number, reason?: string): void;
}

/** Opens a websocket; in Node pass e.g. `(url, protocols) => new WebSocket(url, protocols)` from `ws`. */
export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

/** The browser's (or Node 22's) global WebSocket. */
export const globalWebSocket: WebSocketFactory = (url, protocols) => {
  const Ctor = (globalThis as { WebSocket?: new (u: string, p: string[]) => WebSocketLike }).WebSocket;
  if (!Ctor) throw new Error('no global WebSocket here: pass a webSocket factory (e.g. from the ws package)');
  return new Ctor(url, protocols);
};

/** Close codes after which trying again cannot help: the token was refused or the notebook is gone. */
export const FINAL_CLOSE_CODES = new Set([1008]);

export interface Backoff {
  minMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { minMs: 250, maxMs: 5000 };

/** The delay before reconnect attempt `n` (0-based): doubling from minMs up to maxMs. */
export function backoffDelay(b: Backoff, n: number): number {
  return Math.min(b.maxMs, b.minMs * 2 ** Math.min(n, 20));
}

/** The websocket subprotocols that carry a token without putting it in the URL (`bearer, <jwt>`). */
export function bearerProtocols(token: string | null): string[] {
  return token ? ['bearer', token] : [];
}
