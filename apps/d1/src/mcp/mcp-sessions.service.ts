import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import type { Principal } from '../auth/auth.service';
import { McpNotebooks } from './mcp-notebooks';
import { buildServer } from './mcp-server';
import { McpSession } from './mcp-session';
import { RunWatch } from './run-watch';
import type { ToolDef } from './tool';
import { editTools } from './tools/edit.tools';
import { findTools } from './tools/find.tools';
import { kernelTools } from './tools/kernel.tools';
import { readTools } from './tools/read.tools';
import { runTools } from './tools/run.tools';

/** Sessions kept at most; past it the least recently used one is closed (its client starts a new one). */
export const MAX_SESSIONS = 1000;

/** A session with no request and no open stream for this long is closed. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;

/** The largest MCP request body: JSON-RPC messages are small, and the SDK buffers each one whole. */
export const MCP_MAX_BODY = 4 * 1024 * 1024;

/**
 * The MCP sessions of this d1 and the tools they share. Changes of open notebooks reach the sessions that
 * subscribed to them; opening or closing a notebook tells every session that the resource list changed.
 */
@Injectable()
export class McpSessions implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('MCP');
  private readonly sessions = new Map<string, McpSession>();
  private readonly subscriptions: Subscription[] = [];
  private sweeper: NodeJS.Timeout | null = null;
  /** Every tool, by name; each session lists and runs those its token allows. */
  readonly tools: ReadonlyMap<string, ToolDef>;

  constructor(
    private readonly mcp: McpNotebooks,
    watch: RunWatch,
  ) {
    const all = [
      ...findTools(mcp),
      ...readTools(mcp),
      ...editTools(mcp),
      ...runTools(mcp, watch),
      ...kernelTools(mcp, watch),
    ];
    this.tools = new Map(all.map((t) => [t.name, t]));
  }

  onModuleInit(): void {
    this.subscriptions.push(
      this.mcp.events.notebook$.subscribe((e) => {
        if (e.onlyClient) return;
        for (const s of this.sessions.values())
          if (s.subscriptions.has(e.notebookUuid)) s.resourceChanged(e.notebookUuid);
      }),
      // Opening and closing a notebook is announced on the server feed as `{notebooks: …}`.
      this.mcp.events.server$.subscribe((message) => {
        if (!('notebooks' in message)) return;
        for (const s of this.sessions.values()) s.listChanged();
      }),
      this.mcp.notebooks.closed$.subscribe(({ nb: { uuid } }) => {
        for (const s of this.sessions.values()) if (s.subscriptions.delete(uuid)) s.resourceChanged(uuid);
      }),
    );
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  /** Closes every session, so their open streams do not hold the HTTP server open at shutdown. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const s of this.subscriptions) s.unsubscribe();
    await Promise.all([...this.sessions.values()].map((s) => s.close()));
  }

  /** The session with this id, if any. */
  get(id: string): McpSession | undefined {
    return this.sessions.get(id);
  }

  /** How many sessions are open. */
  get size(): number {
    return this.sessions.size;
  }

  /** A new session for a client about to initialize; it is registered once initialized. */
  async open(principal: Principal): Promise<McpSession> {
    const session = new McpSession(principal.permission.write_access, {
      maxBodyBytes: MCP_MAX_BODY,
      initialized: (s) => this.register(s),
      closed: (s) => {
        if (s.id && this.sessions.get(s.id) === s) this.sessions.delete(s.id);
      },
    });
    session.server = buildServer(session, this.tools, this.mcp);
    session.server.onerror = (err) => this.logger.debug(`MCP session: ${err.message}`);
    await session.server.connect(session.transport);
    return session;
  }

  private register(session: McpSession): void {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = [...this.sessions.values()].reduce((a, b) => (b.lastUsed < a.lastUsed ? b : a));
      this.logger.warn(`${MAX_SESSIONS} MCP sessions open: closing the least recently used one`);
      void oldest.close();
    }
    this.sessions.set(session.id!, session);
  }

  private sweep(): void {
    const idleSince = Date.now() - SESSION_IDLE_MS;
    for (const s of this.sessions.values()) if (s.streams === 0 && s.lastUsed < idleSince) void s.close();
  }
}
