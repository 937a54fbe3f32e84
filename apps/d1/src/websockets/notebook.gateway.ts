import { Inject } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { Observable } from 'rxjs';
import type WebSocket from 'ws';
import { D1_CONFIG, D1Config } from '../app-config';
import { AuthService } from '../auth/auth.service';
import { ExecutionService } from '../execution/execution.service';
import { NotebookSession } from '../execution/notebook-session.service';
import { MetricsService } from '../metrics/metrics.service';
import { NotebooksService } from '../notebooks/notebooks.service';
import { FeedGateway } from './feed.gateway';
import { checkCommand } from './notebook-commands';
import { NotebookEvent, NotebookEvents } from '../events/notebook-events';
import { WsClient } from './ws-client';
import { chooseProtocol, queryInt } from '../auth/ws-auth';

/**
 * /notebooks/{uuid}/ws/notebook: every change of one notebook, in the same order for every client.
 * With `?since=V` a client first gets every message after V (or one notebook_snapshot), each with its version.
 * Any token with read access may listen; commands (which reach the kernel) need write access.
 */
@WebSocketGateway({ path: '/notebooks/:uuid/ws/notebook', handleProtocols: chooseProtocol })
export class NotebookGateway extends FeedGateway<NotebookEvent> implements OnGatewayConnection {
  constructor(
    events: NotebookEvents,
    auth: AuthService,
    @Inject(D1_CONFIG) config: D1Config,
    metrics: MetricsService,
    private readonly notebooks: NotebooksService,
    private readonly execution: ExecutionService,
    private readonly session: NotebookSession,
  ) {
    super('notebook', events, metrics, auth, config);
  }

  protected source(): Observable<NotebookEvent> {
    return this.events.notebook$;
  }

  protected deliver(e: NotebookEvent): void {
    const sent = this.metrics.broadcastTimer();
    for (const c of this.hub.clients(e.notebookUuid)) {
      if (!e.onlyClient || e.onlyClient === c.id)
        c.sendFrame(c.versioned ? e.message.versionedFrame : e.message.plainFrame);
    }
    sent();
  }

  handleConnection(socket: WebSocket, req: IncomingMessage): void {
    const since = queryInt(req, 'since');
    const admitted = this.admitToNotebook(this.notebooks, socket, req, since !== null);
    if (!admitted) return;
    const [client, uuid] = admitted;
    if (since !== null) this.catchUp(client, uuid, since);
    for (const m of this.execution.greeting(uuid)) client.send(JSON.stringify(m));
    this.subscribe(uuid, client);
    socket.on('message', (data: WebSocket.RawData) => this.command(uuid, client, data.toString()));
  }

  /**
   * A client's command goes on to the notebook (and its kernel) only once it is known, allowed by the
   * sender's token and well formed; otherwise the sender alone gets an `error` with its command_id.
   */
  private command(uuid: string, client: WsClient, raw: string): void {
    const checked = checkCommand(raw, client.permission);
    if (!checked.ok) {
      this.events.emit(uuid, checked.reply, { onlyClient: client.id });
      return;
    }
    const { commandId, body } = checked.command;
    this.session.completeCommand(uuid, client.id, commandId, body.code, body.cursor_position);
  }

  private catchUp(client: WsClient, uuid: string, since: number): void {
    this.events.flush(uuid);
    const missed = this.events.replay(uuid, since);
    // A replay that would itself overrun the client's queue bound is sent as one snapshot instead, else the
    // client would be closed while catching up, reconnect, and loop.
    const bytes = missed?.reduce((n, m) => n + m.versioned.length, 0) ?? 0;
    if (missed && bytes <= this.hub.maxQueuedBytes / 2) {
      for (const m of missed) client.sendFrame(m.versionedFrame);
      return;
    }
    const version = this.events.version(uuid);
    const notebook = this.notebooks.find(uuid)?.model.toJson() ?? null;
    client.send(JSON.stringify({ notebook_snapshot: { version, notebook }, version }));
  }
}
