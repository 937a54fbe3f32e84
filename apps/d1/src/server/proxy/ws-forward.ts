import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { CLOSE_POLICY } from '../../auth/ws-auth';

/** One proxied websocket: the client's pending upgrade and where it goes. */
export interface WsForward {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  /** ws://127.0.0.1:port/path?query */
  url: string;
  headers: OutgoingHttpHeaders;
  protocols: string[];
  /** When the token that opened it expires (epoch seconds): the connection is closed then (1008). */
  expiresAt: number;
}

/** What one proxied websocket may hold in d1. */
export interface WsLimits {
  /** Largest message a client may send (larger: closed with 1009). */
  maxPayload: number;
  /** Bytes waiting to be written to one side before the other side is paused. */
  maxQueuedBytes: number;
}

/** Writes a plain HTTP answer on a socket whose upgrade is refused. */
export function refuseUpgrade(socket: Duplex, status: number, body: object): void {
  if (socket.destroyed) return;
  const text = JSON.stringify(body);
  const reason = STATUS_TEXT[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** Codes that may not appear in a close frame; they describe what happened to the connection instead. */
function sendableCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code)) || (code >= 3000 && code <= 4999)
  );
}

function passClose(to: WebSocket, code: number, reason: Buffer): void {
  if (to.readyState === WebSocket.CLOSED || to.readyState === WebSocket.CLOSING) return;
  if (code === 1006) to.terminate();
  else if (sendableCode(code)) to.close(code, reason);
  else to.close();
}

/**
 * Relays the messages of `from` to `to` with flow control: once more than `maxQueued` bytes wait to be written
 * to `to`, `from` is paused (d1 stops reading it, so its TCP window closes and the sender slows down), and it
 * resumes when half of that has been written. d1 then holds about the bound plus one message per direction,
 * however fast one side sends and however slowly the other reads, and loses nothing.
 */
function flow(from: WebSocket, to: WebSocket, maxQueued: number): void {
  const written = (): void => {
    if (from.isPaused && to.bufferedAmount <= maxQueued / 2) from.resume();
  };
  from.on('message', (data, isBinary) => {
    to.send(data, { binary: isBinary }, written);
    if (to.bufferedAmount > maxQueued && !from.isPaused) from.pause();
  });
}

function relay(client: WebSocket, upstream: WebSocket, maxQueued: number): void {
  flow(client, upstream, maxQueued);
  flow(upstream, client, maxQueued);
  client.on('close', (code, reason) => passClose(upstream, code, reason));
  upstream.on('close', (code, reason) => passClose(client, code, reason));
  client.on('error', () => upstream.terminate());
  upstream.on('error', () => client.terminate());
}

/**
 * Proxies websockets: connects upstream first, so nothing the server sends early is lost and the client is
 * answered with the subprotocol the server actually chose (jupyter-server-proxy picks before asking, #459).
 */
export class WsForwarder {
  private readonly chosen = new WeakMap<IncomingMessage, string>();
  private readonly server: WebSocketServer;
  private readonly open = new Set<WebSocket>();

  constructor(private readonly limits: WsLimits) {
    this.server = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: limits.maxPayload,
      handleProtocols: (_offered, req) => this.chosen.get(req) ?? false,
    });
  }

  /** Connects upstream, then completes the client's handshake and relays frames and close codes. */
  forward(f: WsForward): void {
    const upstream = new WebSocket(f.url, f.protocols, {
      headers: f.headers as Record<string, string>,
      perMessageDeflate: false,
      handshakeTimeout: 30_000,
    });
    const abandon = (): void => upstream.terminate();
    f.socket.once('close', abandon);
    f.socket.on('error', () => undefined);
    upstream.once('unexpected-response', (_req, res) => {
      f.socket.off('close', abandon);
      refuseUpgrade(f.socket, res.statusCode ?? 502, upstreamRefused(`answered HTTP ${res.statusCode}`));
      res.resume();
      upstream.terminate();
    });
    upstream.once('error', (err) => {
      f.socket.off('close', abandon);
      refuseUpgrade(f.socket, 502, upstreamRefused(`is unreachable (${err.message})`));
    });
    upstream.once('open', () => this.accept(f, upstream, abandon));
  }

  /** Closes every proxied connection (d1 is shutting down). */
  closeAll(): void {
    for (const ws of this.open) ws.terminate();
    this.open.clear();
    this.server.close();
  }

  private accept(f: WsForward, upstream: WebSocket, abandon: () => void): void {
    upstream.removeAllListeners('error');
    upstream.on('error', () => upstream.terminate());
    if (f.socket.destroyed) return upstream.terminate();
    upstream.pause();
    if (upstream.protocol) this.chosen.set(f.req, upstream.protocol);
    // A handshake the server refuses (a bad key) never calls back; `abandon` then ends the upstream side.
    this.server.handleUpgrade(f.req, f.socket, f.head, (client) => {
      f.socket.off('close', abandon);
      this.open.add(client).add(upstream);
      client.once('close', () => {
        this.open.delete(client);
        this.open.delete(upstream);
      });
      relay(client, upstream, this.limits.maxQueuedBytes);
      closeAtExpiry(client, f.expiresAt);
      upstream.resume();
    });
  }
}

/** Timers cannot wait longer than this; a later expiry is re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes the client's side with 1008 when its token expires; the upstream side follows (relay). */
function closeAtExpiry(client: WebSocket, expiresAt: number): void {
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const ms = expiresAt * 1000 - Date.now();
    if (ms > 0) {
      timer = setTimeout(arm, Math.min(ms, MAX_TIMER_MS));
      return;
    }
    client.close(CLOSE_POLICY, 'Token expired');
    // A client that reads nothing never sees the close frame behind its queue: cut it.
    setTimeout(() => client.terminate(), 1000).unref();
  };
  client.once('close', () => clearTimeout(timer));
  arm();
}

function upstreamRefused(what: string): object {
  return { error: 'BAD_GATEWAY', reason: `The proxied server ${what}`, detail: null };
}
