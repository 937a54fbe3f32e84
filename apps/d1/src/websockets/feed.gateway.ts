import { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { Observable, Subscription } from 'rxjs';
import type WebSocket from 'ws';
import type { D1Config } from '../app-config';
import type { AuthService } from '../auth/auth.service';
import type { Feed, MetricsService } from '../metrics/metrics.service';
import type { NotebookEvents } from '../events/notebook-events';
import type { NotebooksService } from '../notebooks/notebooks.service';
import { CLOSE_POLICY } from '../auth/ws-auth';
import { WsClient } from './ws-client';
import { WsHub, notebookUuidOf } from './ws-hub';

/** What the three websocket feeds share: a hub of authenticated clients fed from one stream of events. */
export abstract class FeedGateway<E> implements OnModuleInit, OnModuleDestroy {
  readonly hub: WsHub;
  private subscription: Subscription | null = null;

  protected constructor(
    private readonly feed: Feed,
    protected readonly events: NotebookEvents,
    protected readonly metrics: MetricsService,
    auth: AuthService,
    config: D1Config,
  ) {
    this.hub = new WsHub(auth, config.wsMaxQueuedBytes);
  }

  /** The events this feed forwards. */
  protected abstract source(): Observable<E>;

  /** Sends one event to the clients it is for. */
  protected abstract deliver(event: E): void;

  onModuleInit(): void {
    this.subscription = this.source().subscribe((e) => this.deliver(e));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  /** Adds a client to a topic until its socket closes, reporting it to the metrics. */
  protected subscribe(topic: string, client: WsClient): void {
    this.hub.subscribe(topic, client);
    this.metrics.feedClients(this.feed, 1);
    client.socket.once('close', () => this.metrics.feedClients(this.feed, -1));
  }

  /** Admits a client of a notebook's feed: authenticated, and the notebook open (1008 otherwise). */
  protected admitToNotebook(
    notebooks: NotebooksService,
    socket: WebSocket,
    req: IncomingMessage,
    versioned = false,
  ): [WsClient, string] | null {
    const client = this.hub.admit(socket, req, versioned);
    if (!client) return null;
    const uuid = notebookUuidOf(req);
    if (!notebooks.find(uuid)) {
      client.close(CLOSE_POLICY, `Notebook not found with uuid: ${uuid}`);
      return null;
    }
    return [client, uuid];
  }
}
