import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';

/** A d1 websocket message: a JSON object with exactly one key naming its type, e.g. `{cell_update: [...]}`. */
export type D1Message = Record<string, unknown>;

/** One message for the subscribers of one notebook, stamped with the notebook's version after it. */
export interface NotebookEvent {
  notebookUuid: string;
  version: number;
  message: D1Message;
  /** When set, only this websocket connection receives it (replies to that client's own command). */
  onlyConnection?: string;
  /** When true, the message is merged with later ones for the same key (output bursts). */
  coalesceKey?: string;
}

/**
 * The bus between services and websocket gateways. Services emit; gateways subscribe. Every emitted
 * notebook message advances that notebook's version, so "all messages after version V" is well defined.
 */
@Injectable()
export class NotebookEvents {
  readonly notebook$ = new Subject<NotebookEvent>();
  readonly server$ = new Subject<D1Message>();
  private readonly versions = new Map<string, number>();

  /** The notebook's current version (0 before its first message). */
  version(notebookUuid: string): number {
    return this.versions.get(notebookUuid) ?? 0;
  }

  /** Broadcasts a message to every subscriber of a notebook; returns the new version. */
  emit(
    notebookUuid: string,
    message: D1Message,
    opts: { onlyConnection?: string; coalesceKey?: string } = {},
  ): number {
    const version = this.version(notebookUuid) + 1;
    this.versions.set(notebookUuid, version);
    this.notebook$.next({ notebookUuid, version, message, ...opts });
    return version;
  }

  /** Broadcasts a server-wide message (/server/ws). */
  emitServer(message: D1Message): void {
    this.server$.next(message);
  }

  /** Forgets a closed notebook's version. */
  forget(notebookUuid: string): void {
    this.versions.delete(notebookUuid);
  }
}
