import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { NotebookGateway } from '../events/notebook.gateway';
import { ServerGateway } from '../events/server.gateway';
import { StreamGateway } from '../events/stream.gateway';
import { MetricsService } from './metrics.service';

/**
 * Tells MetricsService how to count each feed's websocket clients. Kept apart from the service because the
 * gateways themselves depend on MetricsService (broadcast timing): this provider closes the loop without a cycle.
 */
@Injectable()
export class MetricsFeeds implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    private readonly notebook: NotebookGateway,
    private readonly stream: StreamGateway,
    private readonly server: ServerGateway,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.registerFeed('notebook', () => this.notebook.hub.count());
    this.metrics.registerFeed('stream', () => this.stream.hub.count());
    this.metrics.registerFeed('server', () => this.server.hub.count());
  }
}
