import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Subject } from 'rxjs';
import { D1_CONFIG, D1Config } from '../app-config';
import { AuthService } from '../auth/auth.service';
import { MetricsService } from '../metrics/metrics.service';
import { DavChangeKind, davPlugin } from './dav.plugin';

/** A change made through WebDAV to a file under the root dir. */
export interface DavChange {
  path: string;
  kind: DavChangeKind;
  dest?: string;
}

/** Mounts WebDAV at /dav/ on d1's own Fastify server, with d1's credentials. */
@Injectable()
export class DavService implements OnModuleInit {
  private readonly logger = new Logger('WebDAV');
  /** Every successful write through WebDAV (PUT, DELETE, MOVE, COPY). */
  readonly changes$ = new Subject<DavChange>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly metrics: MetricsService,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(davPlugin, {
      rootDir: this.config.rootDir,
      authenticate: (username, password, client) => this.auth.fromBasic(username, password, client),
      maxPutBytes: this.config.maxBodyBytes,
      onRequest: (method) => this.metrics.davRequest(method),
      onResponse: (method, url, status) => this.logger.verbose(`${method} ${url} ${status}`),
      onFileChanged: (path, kind, dest) => this.changes$.next({ path, kind, dest }),
      onError: (err) => this.logger.error(`WebDAV request failed: ${(err as Error)?.message ?? String(err)}`),
    });
  }
}
