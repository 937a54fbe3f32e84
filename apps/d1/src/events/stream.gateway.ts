import { Inject, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Subscription } from 'rxjs';
import type WebSocket from 'ws';
import { D1_CONFIG, D1Config } from '../app-config';
import { AuthService } from '../auth/auth.service';
import { NotebookEvents } from './notebook-events';
import { CLOSE_POLICY } from './ws-client';
import { chooseProtocol } from './ws-auth';
import { WsHub, notebookUuidOf } from './ws-hub';

/** /notebooks/{uuid}/ws/stream: the raw kernel messages of a notebook's kernel, each with channel and cell. */
@WebSocketGateway({ path: '/notebooks/:uuid/ws/stream', handleProtocols: chooseProtocol })
export class StreamGateway implements OnGatewayConnection, OnModuleInit, OnModuleDestroy {
  readonly hub: WsHub;
  private subscription: Subscription | null = null;

  constructor(
    private readonly events: NotebookEvents,
    auth: AuthService,
    @Inject(D1_CONFIG) config: D1Config,
  ) {
    this.hub = new WsHub(auth, config.wsMaxQueuedBytes);
  }

  onModuleInit(): void {
    this.subscription = this.events.stream$.subscribe((e) => this.hub.publish(e.notebookUuid, e.data));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const client = this.hub.admit(socket, req);
    if (!client) return;
    const uuid = notebookUuidOf(req);
    if (!this.events.notebooks.exists(uuid)) {
      client.close(CLOSE_POLICY, `Notebook not found with uuid: ${uuid}`);
      return;
    }
    this.hub.subscribe(uuid, client);
  }
}
