import { Inject } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import type WebSocket from 'ws';
import { D1_CONFIG, D1Config } from '../app-config';
import { AuthService } from '../auth/auth.service';
import { MetricsService } from '../metrics/metrics.service';
import { NotebooksService } from '../notebooks/notebooks.service';
import { FeedGateway } from './feed.gateway';
import { NotebookEvents, StreamEvent } from '../events/notebook-events';
import { chooseProtocol } from '../auth/ws-auth';

/** /notebooks/{uuid}/ws/stream: the raw kernel messages of a notebook's kernel, each with channel and cell. */
@WebSocketGateway({ path: '/notebooks/:uuid/ws/stream', handleProtocols: chooseProtocol })
export class StreamGateway extends FeedGateway<StreamEvent> implements OnGatewayConnection {
  constructor(
    events: NotebookEvents,
    metrics: MetricsService,
    auth: AuthService,
    @Inject(D1_CONFIG) config: D1Config,
    private readonly notebooks: NotebooksService,
  ) {
    super('stream', events, metrics, auth, config);
  }

  protected source(): Observable<StreamEvent> {
    return this.events.stream$;
  }

  protected deliver(e: StreamEvent): void {
    this.hub.publish(e.notebookUuid, e.data);
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const admitted = this.admitToNotebook(this.notebooks, socket, req);
    if (!admitted) return;
    const [client, uuid] = admitted;
    this.subscribe(uuid, client);
    this.events.followStream(uuid, 1);
    client.socket.once('close', () => this.events.followStream(uuid, -1));
  }
}
