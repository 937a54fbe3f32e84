import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

/** Close codes d1 uses on its websockets. */
export const CLOSE_POLICY = 1008;
export const CLOSE_TRY_AGAIN = 1013;

/**
 * One connected websocket client. Sends never block others: past `maxQueuedBytes` waiting for this client
 * it is closed with 1013 (it can resync with `?since`), so the server never holds more than that for it.
 */
export class WsClient {
  readonly id = randomUUID();
  private expiry: NodeJS.Timeout | null = null;
  private closing = false;

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
   * by every client); a string is encoded here, so callers broadcasting should pass Buffers.
   */
  send(data: string | Buffer): boolean {
    if (!this.open) return false;
    const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    const queued = this.socket.bufferedAmount;
    // The bound is on how far a client lags: one message larger than it still goes to a client that has
    // caught up, or a big cell would lock every client out. So at most the bound plus one message is held.
    if (queued > 0 && queued + bytes > this.maxQueuedBytes) {
      this.close(CLOSE_TRY_AGAIN, 'Client is too slow; reconnect with ?since=<version>');
      return false;
    }
    this.socket.send(data, { binary: false });
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
