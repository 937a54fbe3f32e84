import type { D1Client } from './http';
import { Msg, NotebookState, applyMessage, fromSnapshot, typeOf } from './model';
import {
  Backoff,
  DEFAULT_BACKOFF,
  FINAL_CLOSE_CODES,
  WebSocketFactory,
  WebSocketLike,
  backoffDelay,
  bearerProtocols,
  globalWebSocket,
} from './socket';

/**
 * `connecting` until the first snapshot; `live` while following; `offline` between a lost connection and the
 * next attempt; `resyncing` while catching up after a reconnect; `closed` for good (closed by you, the token
 * refused, or the notebook closed).
 */
export type LiveStatus = 'connecting' | 'live' | 'offline' | 'resyncing' | 'closed';

export interface LiveNotebookOptions {
  client: D1Client;
  uuid: string;
  webSocket?: WebSocketFactory;
  backoff?: Backoff;
}

/**
 * One notebook kept current from its websocket: a REST snapshot, then every message after its version, and
 * after a lost connection a reconnect with `?since` (replay, or one notebook_snapshot when it was away long).
 */
export class LiveNotebook {
  state: NotebookState | null = null;
  status: LiveStatus = 'connecting';
  /** Why the notebook is `closed` (a close reason from d1, or an error), else null. */
  closedBecause: string | null = null;
  private socket: WebSocketLike | null = null;
  private attempts = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** The version d1 had reached when a reconnect began: `resyncing` lasts until the state gets there. */
  private resyncTarget: number | null = null;
  private readonly listeners = new Set<(live: LiveNotebook) => void>();
  private readonly messageListeners = new Set<(msg: Msg) => void>();
  private readonly openSocket: WebSocketFactory;
  private readonly backoff: Backoff;

  constructor(private readonly opts: LiveNotebookOptions) {
    this.openSocket = opts.webSocket ?? globalWebSocket;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  get uuid(): string {
    return this.opts.uuid;
  }

  /** Loads the notebook and starts following it; rejects when it cannot be loaded. */
  async start(): Promise<void> {
    const { notebook, version } = await this.opts.client.getNotebook(this.opts.uuid);
    this.state = fromSnapshot(notebook, version);
    this.connect();
    this.changed();
  }

  /** Called after every change of state or status. Returns the unsubscribe function. */
  subscribe(listener: (live: LiveNotebook) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called with every websocket message, after it was applied (e.g. for `scratch_update`, `payload_page`). */
  onMessage(listener: (msg: Msg) => void): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  /** Stops following the notebook (`reason` becomes `closedBecause`). */
  close(reason = 'closed by the client'): void {
    this.finish(reason);
  }

  /** Drops the connection as a network failure would; the notebook reconnects and resyncs. */
  dropConnection(): void {
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close();
    }
    this.lost();
  }

  private connect(): void {
    if (!this.state || this.status === 'closed') return;
    const { client, uuid } = this.opts;
    const url = client.wsUrl(`notebooks/${uuid}/ws/notebook`, { since: this.state.version });
    let socket: WebSocketLike;
    try {
      socket = this.openSocket(url, bearerProtocols(client.token));
    } catch (err) {
      return this.finish((err as Error).message);
    }
    this.socket = socket;
    socket.onopen = () => {
      this.attempts = 0;
      if (this.status === 'connecting') this.setStatus('live');
    };
    socket.onmessage = (ev) => this.receive(String(ev.data));
    socket.onerror = () => undefined; // a close event follows
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (FINAL_CLOSE_CODES.has(ev.code)) this.finish(ev.reason || `closed by d1 (${ev.code})`);
      else this.lost();
    };
  }

  private receive(text: string): void {
    if (!this.state) return;
    const msg = JSON.parse(text) as Msg;
    const gap = typeof msg.version === 'number' && msg.version > this.state.version + 1;
    if (gap && typeOf(msg) !== 'notebook_snapshot') {
      // A message went missing (it never should): catch up from what we have.
      this.dropConnection();
      return;
    }
    this.state = applyMessage(this.state, msg);
    if (
      this.status === 'resyncing' &&
      this.resyncTarget !== null &&
      this.state.version >= this.resyncTarget
    ) {
      this.resyncTarget = null;
      this.status = 'live';
    }
    for (const l of this.messageListeners) l(msg);
    this.changed();
  }

  private lost(): void {
    if (this.status === 'closed') return;
    this.setStatus('offline');
    const delay = backoffDelay(this.backoff, this.attempts++);
    this.retryTimer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.retryTimer = null;
    if (this.status === 'closed') return;
    this.setStatus('resyncing');
    this.resyncTarget = null;
    this.connect();
    try {
      const { version } = await this.opts.client.getNotebook(this.opts.uuid);
      if (this.status !== 'resyncing') return;
      if (this.state && this.state.version >= version) this.setStatus('live');
      else this.resyncTarget = version;
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 404 || status === 401 || status === 403) this.finish((err as Error).message);
      // otherwise d1 is unreachable: the socket fails too, and its close schedules the next attempt
    }
  }

  private finish(reason: string): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close();
    }
    this.closedBecause = reason;
    this.setStatus('closed');
  }

  private setStatus(status: LiveStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l(this);
  }
}
