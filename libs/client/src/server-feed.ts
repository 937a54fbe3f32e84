import type { D1Client } from './http';
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
import type { NotebookEntry } from './types';

export interface ServerFeedOptions {
  client: D1Client;
  webSocket?: WebSocketFactory;
  backoff?: Backoff;
}

/**
 * The list of open notebooks, kept current from `/server/ws` (`notebooks` on every open and close). After a
 * lost connection it reloads the list over REST, since that feed has no replay.
 */
export class ServerFeed {
  notebooks: NotebookEntry[] = [];
  /** True once the list was loaded (before that, an empty list says nothing). */
  loaded = false;
  online = false;
  private socket: WebSocketLike | null = null;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly listeners = new Set<(feed: ServerFeed) => void>();

  constructor(private readonly opts: ServerFeedOptions) {}

  /** Loads the list and follows it. */
  async start(): Promise<void> {
    this.connect();
    await this.reload();
  }

  /** Called after every change; returns the unsubscribe function. */
  subscribe(listener: (feed: ServerFeed) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.close();
    }
  }

  private async reload(): Promise<void> {
    const all = await this.opts.client.listNotebooks();
    this.notebooks = all.map((nb) => {
      const d1 = (nb.metadata.jupyter_d1 ?? {}) as { uuid?: string; name?: string };
      return { uuid: d1.uuid ?? '', name: d1.name ?? 'Untitled' };
    });
    this.loaded = true;
    this.changed();
  }

  private connect(): void {
    const { client } = this.opts;
    const open = this.opts.webSocket ?? globalWebSocket;
    const socket = open(client.wsUrl('server/ws'), bearerProtocols(client.token));
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.attempts > 0;
      this.attempts = 0;
      this.online = true;
      if (reconnected) void this.reload().catch(() => undefined);
      this.changed();
    };
    socket.onmessage = (ev) => {
      const msg = JSON.parse(String(ev.data)) as { notebooks?: NotebookEntry[] };
      if (!msg.notebooks) return;
      this.notebooks = msg.notebooks;
      this.changed();
    };
    socket.onerror = () => undefined;
    socket.onclose = (ev) => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.online = false;
      this.changed();
      if (FINAL_CLOSE_CODES.has(ev.code)) return;
      const delay = backoffDelay(this.opts.backoff ?? DEFAULT_BACKOFF, this.attempts++);
      this.timer = setTimeout(() => this.connect(), delay);
    };
  }

  private changed(): void {
    for (const l of this.listeners) l(this);
  }
}
