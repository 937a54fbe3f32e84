import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { NotebookGateway } from '../events/notebook.gateway';
import { ServerGateway } from '../events/server.gateway';
import { StreamGateway } from '../events/stream.gateway';
import { DavService } from '../files/dav.service';
import { MetricsService } from './metrics.service';

/**
 * Connects MetricsService to what it counts: each feed's websocket clients, and WebDAV requests. Kept apart
 * from the service because the gateways themselves depend on MetricsService (broadcast timing): this provider
 * closes the loop without a cycle.
 */
@Injectable()
export class MetricsFeeds implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    private readonly notebook: NotebookGateway,
    private readonly stream: StreamGateway,
    private readonly server: ServerGateway,
    private readonly modules: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.registerFeed('notebook', () => this.notebook.hub.count());
    this.metrics.registerFeed('stream', () => this.stream.hub.count());
    this.metrics.registerFeed('server', () => this.server.hub.count());
    // Looked up rather than injected: FilesModule exports DavService to the app, not to this global module.
    const dav = this.modules.get(DavService, { strict: false });
    dav.onRequest = (method) => this.metrics.davRequest(method);
  }
}
