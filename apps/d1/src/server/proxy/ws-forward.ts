import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';

/** One proxied websocket: the client's pending upgrade and where it goes. */
export interface WsForward {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  /** ws://127.0.0.1:port/path?query */
  url: string;
  headers: OutgoingHttpHeaders;
  protocols: string[];
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

function relay(client: WebSocket, upstream: WebSocket): void {
  client.on('message', (data, isBinary) => upstream.send(data, { binary: isBinary }));
  upstream.on('message', (data, isBinary) => client.send(data, { binary: isBinary }));
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
  private readonly server = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => this.chosen.get(req) ?? false,
  });
  private readonly open = new Set<WebSocket>();

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
      relay(client, upstream);
      upstream.resume();
    });
  }
}

function upstreamRefused(what: string): object {
  return { error: 'BAD_GATEWAY', reason: `The proxied server ${what}`, detail: null };
}
