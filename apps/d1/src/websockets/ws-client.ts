import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Permission } from '../auth/permission';
import { CLOSE_POLICY } from '../auth/ws-auth';
import { TextFrame } from '../events/ws-frame';

/** Close code: try again later. */
export const CLOSE_TRY_AGAIN = 1013;

/**
 * One connected websocket client. Sends never block others: past `maxQueuedBytes` waiting for this client
 * it is closed with 1013 (it can resync with `?since`), so the server never holds more than that for it.
 */
export class WsClient {
  readonly id = randomUUID();
  /** What the client's token allows, set when it is admitted; what it may send is decided from this. */
  permission: Permission | null = null;
  private expiry: NodeJS.Timeout | null = null;
  private closing = false;
  private corked = false;

  constructor(
    readonly socket: WebSocket,
    private readonly maxQueuedBytes: number,
    readonly versioned = false,
  ) {
    socket.once('close', () => {
      if (this.expiry) clearTimeout(this.expiry);
    });
  }

  /** Whether the socket can still take messages. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN && !this.closing;
  }

  /**
   * Sends a serialised message, or closes a client that fell too far behind. A Buffer is sent as is (shared
   * by every client); a string is encoded here, so callers broadcasting should pass frames.
   */
  send(data: string | Buffer): boolean {
    if (!this.admits(typeof data === 'string' ? Buffer.byteLength(data) : data.length)) return false;
    this.socket.send(data, { binary: false });
    return true;
  }

  /**
   * Sends a message framed once for every client: its bytes go straight to the TCP socket when `ws` has
   * nothing of its own in flight for this client (no compression, nothing queued); else through `ws`.
   */
  sendFrame(frame: TextFrame): boolean {
    if (!this.admits(frame.bytes.length)) return false;
    const raw = plainSocket(this.socket);
    if (!raw) {
      this.socket.send(frame.payload, { binary: false });
      return true;
    }
    // Messages sent in one synchronous run (a reply and the idle update, say) leave in one write: a syscall
    // per message and client is most of what a broadcast costs. A microtask flushes them before anything
    // queued later, such as the HTTP response of the request that caused them.
    if (!this.corked) {
      this.corked = true;
      raw.cork();
      queueMicrotask(() => {
        this.corked = false;
        raw.uncork();
      });
    }
    raw.write(frame.bytes);
    return true;
  }

  /** Whether `bytes` more may be queued for this client; closes it when not. */
  private admits(bytes: number): boolean {
    if (!this.open) return false;
    // bufferedAmount is the socket's unwritten bytes plus what ws holds: it sees frames written directly.
    const queued = this.socket.bufferedAmount;
    // The bound is on how far a client lags: one message larger than it still goes to a client that has
    // caught up, or a big cell would lock every client out. So at most the bound plus one message is held.
    if (queued > 0 && queued + bytes > this.maxQueuedBytes) {
      this.close(CLOSE_TRY_AGAIN, 'Client is too slow; reconnect with ?since=<version>');
      return false;
    }
    return true;
  }

  /** Closes with a code; terminates if the close handshake cannot complete (a client that reads nothing). */
  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 1000).unref();
  }

  /** Closes the socket when its token expires (epoch seconds). */
  expireAt(exp: number): void {
    const ms = exp * 1000 - Date.now();
    if (ms <= 0) return this.close(CLOSE_POLICY, 'Token expired');
    this.expiry = setTimeout(() => this.close(CLOSE_POLICY, 'Token expired'), Math.min(ms, 2 ** 31 - 1));
    this.expiry.unref();
  }
}

/** The parts of a `ws` WebSocket (8.x) that tell whether its TCP socket can take a whole frame now. */
interface WsInternals {
  _socket?: Socket | null;
  _sender?: { _state?: number; _queue?: unknown[]; _firstFragment?: boolean } | null;
}

/**
 * The TCP socket of `ws` when a frame written to it directly lands between whole messages, exactly as
 * ws.send would write it: no extension (permessage-deflate rewrites payloads; d1 never enables it), ws's
 * sender idle (state 0, nothing queued behind a compression) and not inside a fragmented message. Null
 * otherwise, or if ws's internals are not as expected: the caller then goes through ws.send.
 */
export function plainSocket(ws: WebSocket): Socket | null {
  if (ws.extensions !== '') return null;
  const { _socket: socket, _sender: sender } = ws as unknown as WsInternals;
  if (!socket || !sender || sender._state !== 0 || sender._firstFragment !== true) return null;
  if (!Array.isArray(sender._queue) || sender._queue.length > 0) return null;
  return socket.writable ? socket : null;
}
