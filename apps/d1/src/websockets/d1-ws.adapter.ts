import { INestApplicationContext, Logger } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { cutOffAfterLinger } from '../common/linger';
import { ProxyService } from '../server/proxy/proxy.service';

/** Whether a gateway path pattern such as `/notebooks/:uuid/ws/notebook` matches a request path. */
export function matchesPattern(pattern: string, pathname: string): boolean {
  const want = pattern.split('/');
  const got = pathname.replace(/\/+$/, '').split('/');
  if (want.length !== got.length) return false;
  return want.every((seg, i) => (seg.startsWith(':') ? got[i].length > 0 : seg === got[i]));
}

function refuse(socket: Duplex, status: string, body: object): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/**
 * Nest's WsAdapter routes an upgrade only when the path equals a gateway's path exactly; d1's gateways live
 * under per-notebook paths, so this one matches `:param` patterns, then offers the rest to the proxy.
 */
export class D1WsAdapter extends WsAdapter {
  private readonly wsLogger = new Logger('Websockets');
  /** `maxMessageBytes` bounds every message a client sends; a larger one closes its socket with 1009. */
  constructor(
    private readonly app: INestApplicationContext,
    private readonly maxMessageBytes: number,
  ) {
    super(app);
  }

  override create(port: number, options: Record<string, unknown> & { path?: string } = {}): WebSocketServer {
    // ws reads the length from the frame header and refuses before buffering the payload.
    return super.create(port, { ...options, maxPayload: this.maxMessageBytes }) as WebSocketServer;
  }

  /**
   * A client's protocol error (an oversized message: ws sends 1009) is its own, not d1's. ws then reads and
   * drops whatever the client still sends until the close handshake ends (up to 30 s); the client gets a
   * moment to read the close frame, then its connection is cut.
   */
  override bindErrorHandler(server: WebSocketServer): WebSocketServer {
    server.on('connection', (ws: WebSocket) =>
      ws.on('error', (err) => {
        this.wsLogger.debug(`client websocket closed: ${err.message}`);
        const socket = (ws as unknown as { _socket?: Socket })._socket;
        if (socket) cutOffAfterLinger(socket);
        else ws.terminate();
      }),
    );
    server.on('error', (err) => this.wsLogger.error(err));
    return server;
  }

  protected override ensureHttpServerExists(
    port: number,
    httpServer = http.createServer(),
  ): http.Server | undefined {
    if (this.httpServersRegistry.has(port)) return undefined;
    this.httpServersRegistry.set(port, httpServer);
    httpServer.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        this.route(port, req, socket, head);
      } catch {
        refuse(socket, '400 Bad Request', {
          error: 'BAD_REQUEST',
          reason: 'Bad websocket request',
          detail: null,
        });
      }
    });
    return httpServer;
  }

  private route(port: number, req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const servers = (this.wsServersRegistry.get(port) ?? []) as unknown as Array<
      WebSocketServer & { path: string }
    >;
    for (const wsServer of servers) {
      if (matchesPattern(wsServer.path, pathname)) {
        wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
        return;
      }
    }
    if (this.app.get(ProxyService).handleUpgrade(req, socket, head)) return;
    refuse(socket, '404 Not Found', {
      error: 'NOT_FOUND',
      reason: `No websocket at ${pathname}`,
      detail: null,
    });
  }
}
