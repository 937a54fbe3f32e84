import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Principal } from '../auth/auth.service';
import { notebookUri } from './notebook-resources';

/** Resource update notifications for one notebook go out at most this often per session. */
export const RESOURCE_UPDATE_MS = 250;

/** setTimeout's longest delay; a token may live for years. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How a session reaches the registry that holds it. */
export interface SessionHooks {
  maxBodyBytes: number;
  initialized(session: McpSession): void;
  closed(session: McpSession): void;
}

/**
 * One MCP session: the SDK's Streamable HTTP transport and server for one client, the permission of the
 * token that opened it, and the notebooks it subscribed to. Its notification stream (GET) is closed when
 * the token that opened it expires, as d1 closes any other feed.
 */
export class McpSession {
  readonly transport: StreamableHTTPServerTransport;
  server: Server | null = null;
  lastUsed = Date.now();
  /** Open GET streams: a session that holds one is in use even without requests. */
  streams = 0;
  readonly subscriptions = new Set<string>();
  private readonly throttles = new Map<string, { timer: NodeJS.Timeout; dirty: boolean }>();
  private streamExpiry: NodeJS.Timeout | null = null;
  private closing = false;

  constructor(
    readonly canWrite: boolean,
    private readonly hooks: SessionHooks,
  ) {
    this.transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      maxRequestBodySize: hooks.maxBodyBytes,
      onsessioninitialized: () => hooks.initialized(this),
    });
    this.transport.onclose = () => void this.close();
  }

  /** The session id, once the client's initialize request went through. */
  get id(): string | undefined {
    return this.transport.sessionId;
  }

  /** Hands one authenticated HTTP request to the SDK. */
  async handle(req: IncomingMessage, res: ServerResponse, principal: Principal): Promise<void> {
    this.lastUsed = Date.now();
    if (req.method === 'GET') {
      this.streams++;
      res.once('close', () => this.streams--);
      this.expireStreamAt(principal.exp * 1000);
    }
    await this.transport.handleRequest(req, res);
  }

  /** Tells the client a subscribed notebook changed: at once, then at most once per RESOURCE_UPDATE_MS. */
  resourceChanged(uuid: string): void {
    const pending = this.throttles.get(uuid);
    if (pending) {
      pending.dirty = true;
      return;
    }
    this.sendUpdated(uuid);
    const entry = {
      dirty: false,
      timer: setTimeout(() => {
        this.throttles.delete(uuid);
        if (entry.dirty && this.subscriptions.has(uuid)) this.resourceChanged(uuid);
      }, RESOURCE_UPDATE_MS),
    };
    this.throttles.set(uuid, entry);
  }

  /** Tells the client the list of notebooks changed (one opened or closed). */
  listChanged(): void {
    void this.server?.sendResourceListChanged().catch(() => undefined);
  }

  /** Ends the session: its streams close, its timers stop, the registry forgets it. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const t of this.throttles.values()) clearTimeout(t.timer);
    this.throttles.clear();
    if (this.streamExpiry) clearTimeout(this.streamExpiry);
    this.hooks.closed(this);
    await (this.server ? this.server.close() : this.transport.close()).catch(() => undefined);
  }

  private sendUpdated(uuid: string): void {
    void this.server?.sendResourceUpdated({ uri: notebookUri(uuid) }).catch(() => undefined);
  }

  private expireStreamAt(atMs: number): void {
    if (this.streamExpiry) clearTimeout(this.streamExpiry);
    const delay = atMs - Date.now();
    this.streamExpiry = setTimeout(
      () => {
        if (Date.now() >= atMs) this.transport.closeStandaloneSSEStream();
        else this.expireStreamAt(atMs);
      },
      Math.max(0, Math.min(delay, MAX_TIMER_MS)),
    );
    this.streamExpiry.unref();
  }
}
