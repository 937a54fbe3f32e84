import { Inject, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Subscription } from 'rxjs';
import type WebSocket from 'ws';
import { D1_CONFIG, D1Config } from '../app-config';
import { AuthService } from '../auth/auth.service';
import { NotebookEvents } from './notebook-events';
import { chooseProtocol } from './ws-auth';
import { WsHub } from './ws-hub';

const TOPIC = 'server';

/** /server/ws: server-wide messages (open notebooks, file changes, server stats). */
@WebSocketGateway({ path: '/server/ws', handleProtocols: chooseProtocol })
export class ServerGateway implements OnGatewayConnection, OnModuleInit, OnModuleDestroy {
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
    this.subscription = this.events.server$.subscribe((text) => this.hub.publish(TOPIC, text));
  }

  onModuleDestroy(): void {
    this.subscription?.unsubscribe();
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const client = this.hub.admit(socket, req);
    if (client) this.hub.subscribe(TOPIC, client);
  }
}
