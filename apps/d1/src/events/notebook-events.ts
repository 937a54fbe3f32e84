import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import { DEFAULT_HISTORY_LIMITS, History, HistoryLimits, Serialized, serialize } from './history';
import type { NotebookMessage, ServerMessage } from './messages';

/** One message for the subscribers of one notebook, serialised once for every client. */
export interface NotebookEvent {
  notebookUuid: string;
  /** The message as emitted. */
  data: NotebookMessage;
  message: Serialized;
  /** When set, only this websocket connection receives it (a reply to that client's own command). */
  onlyClient?: string;
}

/** A raw kernel message for /ws/stream subscribers, serialised once. */
export interface StreamEvent {
  notebookUuid: string;
  data: Buffer;
}

/** Options of NotebookEvents.emit. */
export interface EmitOptions {
  /** Only this websocket connection receives it (a reply to that client's own command). */
  onlyClient?: string;
  /** A coalescing key whose held-back update this message replaces (it carries the same, newer state). */
  supersedes?: string;
}

/** Output bursts for one cell are merged into at most one update per this interval. */
export const COALESCE_MS = 25;

interface Pending {
  build: () => NotebookMessage | null;
  timer: NodeJS.Timeout;
}

/**
 * The bus between services and websocket gateways: typed messages (see messages.ts) go out on three
 * streams. Services emit; gateways and MCP subscribe. Every notebook message advances that notebook's
 * version and is kept in a bounded history for `?since` replay.
 */
@Injectable()
export class NotebookEvents {
  readonly notebook$ = new Subject<NotebookEvent>();
  readonly stream$ = new Subject<StreamEvent>();
  readonly server$ = new Subject<ServerMessage>();
  private readonly versions = new Map<string, number>();
  private readonly histories = new Map<string, History>();
  private readonly pending = new Map<string, Map<string, Pending>>();
  /** When each coalescing key of each notebook last went out. */
  private readonly lastSent = new Map<string, Map<string, number>>();
  private historyLimits: HistoryLimits = DEFAULT_HISTORY_LIMITS;
  /** How many /ws/stream clients follow each notebook. */
  private readonly streamFollowers = new Map<string, number>();

  /** The notebook's current version (0 before its first message). */
  version(notebookUuid: string): number {
    return this.versions.get(notebookUuid) ?? 0;
  }

  /**
   * Broadcasts a message to every subscriber of a notebook, after any held-back output; returns the version.
   * `supersedes` names a coalescing key (a cell id) whose held-back update this message makes redundant,
   * because it carries that cell's full current state: that one is dropped instead of sent just before it.
   */
  emit(notebookUuid: string, message: NotebookMessage, opts: EmitOptions = {}): number {
    if (opts.supersedes !== undefined) this.drop(notebookUuid, opts.supersedes);
    this.flush(notebookUuid);
    return this.send(notebookUuid, message, opts.onlyClient);
  }

  /**
   * Broadcasts a message built at send time, at most once per COALESCE_MS for `key` (e.g. a cell's output
   * updates): the first goes at once, a burst after it is merged into one message with the final state.
   */
  emitCoalesced(notebookUuid: string, key: string, build: () => NotebookMessage | null): void {
    const perNotebook = this.pending.get(notebookUuid) ?? new Map<string, Pending>();
    this.pending.set(notebookUuid, perNotebook);
    const existing = perNotebook.get(key);
    if (existing) {
      existing.build = build;
      return;
    }
    const since = Date.now() - (this.lastSent.get(notebookUuid)?.get(key) ?? 0);
    if (since >= COALESCE_MS) {
      this.sendBuilt(notebookUuid, key, build);
      return;
    }
    const timer = setTimeout(() => this.flushKey(notebookUuid, key), COALESCE_MS - since);
    perNotebook.set(key, { build, timer });
  }

  /** Sends every held-back message of a notebook now. */
  flush(notebookUuid: string): void {
    const perNotebook = this.pending.get(notebookUuid);
    if (!perNotebook) return;
    for (const key of [...perNotebook.keys()]) this.flushKey(notebookUuid, key);
  }

  /** Messages after `since` for a reconnecting client, or null when it needs a snapshot. */
  replay(notebookUuid: string, since: number): Serialized[] | null {
    const history = this.histories.get(notebookUuid);
    const current = this.version(notebookUuid);
    if (!history) return since === current ? [] : null;
    return history.after(since, current);
  }

  /** Relays a raw kernel message of a notebook to /ws/stream subscribers. */
  emitStream(notebookUuid: string, message: unknown): void {
    if (!this.streamWanted(notebookUuid)) return;
    this.stream$.next({ notebookUuid, data: Buffer.from(JSON.stringify(message)) });
  }

  /**
   * Whether anyone follows a notebook's raw stream: every kernel message passes here, and serialising it
   * for nobody would sit on the path of every execution.
   */
  streamWanted(notebookUuid: string): boolean {
    return this.stream$.observed && (this.streamFollowers.get(notebookUuid) ?? 0) > 0;
  }

  /** Counts a client starting (+1) or ending (-1) to follow a notebook's raw stream. */
  followStream(notebookUuid: string, delta: 1 | -1): void {
    const n = (this.streamFollowers.get(notebookUuid) ?? 0) + delta;
    if (n > 0) this.streamFollowers.set(notebookUuid, n);
    else this.streamFollowers.delete(notebookUuid);
  }

  /** Broadcasts a server-wide message (/server/ws). */
  emitServer(message: ServerMessage): void {
    if (!this.server$.observed) return;
    this.server$.next(message);
  }

  /** Bounds of the replay histories created from now on (smaller ones let tests reach a too-old `since`). */
  setHistoryLimits(limits: Partial<HistoryLimits>): void {
    this.historyLimits = { ...this.historyLimits, ...limits };
  }

  /**
   * Makes a notebook's versions continue above `floor`: a notebook a restarted d1 reopens under its old uuid,
   * so that no `?since` from the earlier process can pass for a version of this one.
   */
  continueAbove(notebookUuid: string, floor: number): void {
    if (floor > this.version(notebookUuid)) this.versions.set(notebookUuid, floor);
  }

  /** Forgets a closed notebook's history (its version stays, so a reopened uuid keeps growing). */
  forget(notebookUuid: string): void {
    const perNotebook = this.pending.get(notebookUuid);
    for (const p of perNotebook?.values() ?? []) clearTimeout(p.timer);
    this.pending.delete(notebookUuid);
    this.lastSent.delete(notebookUuid);
    this.histories.delete(notebookUuid);
  }

  /** Forgets the held-back update of one key without sending it. */
  private drop(notebookUuid: string, key: string): void {
    const p = this.pending.get(notebookUuid)?.get(key);
    if (!p) return;
    clearTimeout(p.timer);
    this.pending.get(notebookUuid)?.delete(key);
  }

  private flushKey(notebookUuid: string, key: string): void {
    const perNotebook = this.pending.get(notebookUuid);
    const p = perNotebook?.get(key);
    if (!p || !perNotebook) return;
    clearTimeout(p.timer);
    perNotebook.delete(key);
    this.sendBuilt(notebookUuid, key, p.build);
  }

  private sendBuilt(notebookUuid: string, key: string, build: () => NotebookMessage | null): void {
    const perNotebook = this.lastSent.get(notebookUuid) ?? new Map<string, number>();
    this.lastSent.set(notebookUuid, perNotebook);
    perNotebook.set(key, Date.now());
    const message = build();
    if (message) this.send(notebookUuid, message);
  }

  private send(notebookUuid: string, message: NotebookMessage, onlyClient?: string): number {
    if (onlyClient) {
      const version = this.version(notebookUuid);
      this.notebook$.next({ notebookUuid, data: message, message: serialize(message, version), onlyClient });
      return version;
    }
    const version = this.version(notebookUuid) + 1;
    this.versions.set(notebookUuid, version);
    const serialized = serialize(message, version);
    let history = this.histories.get(notebookUuid);
    if (!history) {
      const { maxEntries, maxBytes } = this.historyLimits;
      this.histories.set(notebookUuid, (history = new History(maxEntries, maxBytes)));
    }
    history.push(serialized);
    this.notebook$.next({ notebookUuid, data: message, message: serialized });
    return version;
  }
}
