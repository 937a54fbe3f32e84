import WebSocket from 'ws';
import { waitFor } from './d1';
import { recordFeedMessage } from './ws-schemas';

/** Messages are arbitrary JSON; tests index into them freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
type Message = Record<string, Json>;

/** A real websocket client that records every message and its close code. */
export class WsRecorder {
  readonly messages: Message[] = [];
  closeCode: number | null = null;
  closeReason = '';
  readonly socket: WebSocket;
  private readonly opened: Promise<void>;

  constructor(
    url: string,
    opts: { token?: string; protocols?: string[]; headers?: Record<string, string> } = {},
  ) {
    const headers = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    this.socket = new WebSocket(url, opts.protocols ?? [], { headers });
    this.socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Message;
      this.messages.push(message);
      recordFeedMessage(url, message);
    });
    this.socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
      this.socket.once('close', () => resolve());
    });
  }

  /** Resolves once the handshake finished (or the socket closed). */
  async ready(): Promise<this> {
    await this.opened;
    return this;
  }

  /** Messages whose single key is `type`, as their payloads. */
  of(type: string): Json[] {
    return this.messages.filter((m) => type in m).map((m) => m[type]);
  }

  /** The message types received so far, in order. */
  types(): string[] {
    return this.messages.map((m) => Object.keys(m).find((k) => k !== 'version') ?? '');
  }

  /** Waits until `check(messages)` holds. */
  async until(check: (msgs: Message[]) => boolean, what: string, ms = 15_000): Promise<void> {
    await waitFor(() => check(this.messages), what, ms);
  }

  /** Waits for the socket to close; returns the close code. */
  async closed(ms = 10_000): Promise<number> {
    return waitFor(() => this.closeCode, 'websocket close', ms);
  }

  send(obj: unknown): void {
    this.socket.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  close(): void {
    this.socket.close();
  }
}
