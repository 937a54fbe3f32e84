import { Inject } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import type WebSocket from 'ws';
import { D1_CONFIG, D1Config } from '../app-config';
import { AuthService } from '../auth/auth.service';
import { MetricsService } from '../metrics/metrics.service';
import { FeedGateway } from './feed.gateway';
import type { ServerMessage } from '../events/messages';
import { NotebookEvents } from '../events/notebook-events';
import { chooseProtocol } from '../auth/ws-auth';

const TOPIC = 'server';

/** /server/ws: server-wide messages (open notebooks, file changes, server stats). */
@WebSocketGateway({ path: '/server/ws', handleProtocols: chooseProtocol })
export class ServerGateway extends FeedGateway<ServerMessage> implements OnGatewayConnection {
  constructor(
    events: NotebookEvents,
    metrics: MetricsService,
    auth: AuthService,
    @Inject(D1_CONFIG) config: D1Config,
  ) {
    super('server', events, metrics, auth, config);
  }

  protected source(): Observable<ServerMessage> {
    return this.events.server$;
  }

  protected deliver(message: ServerMessage): void {
    if (this.hub.has(TOPIC)) this.hub.publish(TOPIC, Buffer.from(JSON.stringify(message)));
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const client = this.hub.admit(socket, req);
    if (client) this.subscribe(TOPIC, client);
  }
}
