import { Injectable, OnApplicationBootstrap, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Subscription } from 'rxjs';
import { routeOf } from '../common/request-log';
import { JupyterService } from './jupyter.service';

/** A websocket feed whose connected clients are counted at scrape time. */
export type Feed = 'notebook' | 'stream' | 'server';

/** Broadcast latencies are sub-millisecond to tens of ms; the buckets resolve the SPEC's 50 ms bar. */
const BROADCAST_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** HTTP handling times: sub-millisecond reads up to notebook opens and uploads of several seconds. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type HttpLabels = 'method' | 'route' | 'status';

/**
 * d1's Prometheus metrics in a registry of its own (several apps may share a process in tests, and the
 * global registry would mix them). Restarts are read off the kernel relay (it sees every kernel);
 * executions, broadcasts and WebDAV requests are reported by their owners; gauges are read when scraped.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly executions: Counter;
  private readonly restarts: Counter;
  private readonly serverRestarts: Counter;
  private readonly dav: Counter<'method'>;
  private readonly broadcast: Histogram;
  private readonly httpRequests: Counter<HttpLabels>;
  private readonly httpDuration: Histogram<HttpLabels>;
  private queueDepthSources: Array<() => number> = [];
  private readonly feeds = new Map<Feed, () => number>();
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.executions = new Counter({
      name: 'd1_executions_total',
      help: 'Cell executions requested (queued) in notebooks.',
      registers,
    });
    this.restarts = new Counter({
      name: 'd1_kernel_restarts_total',
      help: 'Kernel restarts: requested ones and those after a kernel died.',
      registers,
    });
    this.serverRestarts = new Counter({
      name: 'd1_jupyter_server_restarts_total',
      help: 'Restarts of the embedded Jupyter Server after it exited unexpectedly.',
      registers,
    });
    this.dav = new Counter({
      name: 'd1_dav_requests_total',
      help: 'WebDAV requests by method.',
      labelNames: ['method'],
      registers,
    });
    this.broadcast = new Histogram({
      name: 'd1_broadcast_latency_seconds',
      help: 'Time from a notebook message being emitted to its write to the last subscribed socket.',
      buckets: BROADCAST_BUCKETS,
      registers,
    });
    this.httpRequests = new Counter({
      name: 'd1_http_requests_total',
      help: 'HTTP requests answered, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.httpDuration = new Histogram({
      name: 'd1_http_request_duration_seconds',
      help: 'Time from a request arriving to its response being sent, by method, route and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.defineGauges(registers);
  }

  /** Counts and times every HTTP request once its response is out (routes by pattern: bounded labels). */
  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onResponse', (req, reply, done) => {
      // A path no route matched is one label, not one per path a scanner tries.
      const route = req.routeOptions?.url ? routeOf(req) : 'unmatched';
      const labels = { method: req.method, route, status: String(reply.statusCode) };
      this.httpRequests.inc(labels);
      this.httpDuration.observe(labels, reply.elapsedTime / 1000);
      done();
    });
  }

  onApplicationBootstrap(): void {
    // Looked up, not injected: JupyterService belongs to ServerModule, which imports this global module.
    const jupyter = this.moduleRef.get(JupyterService, { strict: false });
    this.subscriptions.push(jupyter.restarted$.subscribe(() => this.serverRestarts.inc()));
    // The relay sees every kernel's status, notebook or headless: 'restarting' covers both kinds of restart.
    jupyter.relay.on('status', (_id, state) => {
      if (state === 'restarting') this.restarts.inc();
    });
  }

  onModuleDestroy(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** Adds a source of queued (not yet running) cells, summed into d1_execution_queue_depth when scraped. */
  registerQueueDepth(source: () => number): void {
    this.queueDepthSources.push(source);
  }

  /** Sets how a feed's connected websocket clients are counted for d1_websocket_clients. */
  registerFeed(feed: Feed, count: () => number): void {
    this.feeds.set(feed, count);
  }

  /** Counts one cell queued for execution. */
  executionQueued(): void {
    this.executions.inc();
  }

  /** Counts one WebDAV request (wire to the WebDAV plugin's `onRequest`). */
  davRequest(method: string): void {
    this.dav.inc({ method: method.toUpperCase() });
  }

  /** Starts timing one broadcast; call the result once the message was written to every socket. */
  broadcastTimer(): () => void {
    return this.broadcast.startTimer();
  }

  /** The Prometheus text exposition and its content type. */
  async scrape(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }

  private defineGauges(registers: Registry[]): void {
    const depth = (): number => this.queueDepthSources.reduce((sum, s) => sum + s(), 0);
    const feeds = this.feeds;
    new Gauge({
      name: 'd1_execution_queue_depth',
      help: 'Cells queued for execution and not yet sent to their kernel, over all notebooks.',
      registers,
      collect() {
        this.set(depth());
      },
    });
    new Gauge({
      name: 'd1_websocket_clients',
      help: 'Connected websocket clients by feed.',
      labelNames: ['feed'],
      registers,
      collect() {
        for (const [feed, count] of feeds) this.set({ feed }, count());
      },
    });
  }
}
