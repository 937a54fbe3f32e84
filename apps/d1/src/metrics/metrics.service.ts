import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { routeOf } from '../common/request-log';

/** A websocket feed whose connected clients are counted. */
export type Feed = 'notebook' | 'stream' | 'server';

const FEEDS: Feed[] = ['notebook', 'stream', 'server'];

/** Broadcast latencies are sub-millisecond to tens of ms; the buckets resolve the SPEC's 50 ms bar. */
const BROADCAST_BUCKETS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/** HTTP handling times: sub-millisecond reads up to notebook opens and uploads of several seconds. */
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type HttpLabels = 'method' | 'route' | 'status';

/**
 * d1's Prometheus metrics in a registry of its own (several apps may share a process in tests, and the
 * global registry would mix them). Every figure is reported by its owner: the kernel service its restarts,
 * execution its queues, the gateways their clients, WebDAV its requests. It depends on nothing of d1's.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  private readonly executions: Counter;
  private readonly restarts: Counter;
  private readonly serverRestarts: Counter;
  private readonly dav: Counter<'method'>;
  private readonly broadcast: Histogram;
  private readonly httpRequests: Counter<HttpLabels>;
  private readonly httpDuration: Histogram<HttpLabels>;
  private readonly clients: Gauge<'feed'>;
  /** Cells waiting in each notebook's queue, summed when scraped. */
  private readonly queueDepths = new Map<string, number>();

  constructor(private readonly adapterHost: HttpAdapterHost) {
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
    const depths = this.queueDepths;
    new Gauge({
      name: 'd1_execution_queue_depth',
      help: 'Cells queued for execution and not yet sent to their kernel, over all notebooks.',
      registers,
      collect() {
        let sum = 0;
        for (const n of depths.values()) sum += n;
        this.set(sum);
      },
    });
    this.clients = new Gauge({
      name: 'd1_websocket_clients',
      help: 'Connected websocket clients by feed.',
      labelNames: ['feed'],
      registers,
    });
    for (const feed of FEEDS) this.clients.set({ feed }, 0);
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

  /** Counts one restart of a kernel: a requested one or one after the kernel died. */
  kernelRestarted(): void {
    this.restarts.inc();
  }

  /** Counts one restart of the kernel service after it lost its kernels. */
  jupyterServerRestarted(): void {
    this.serverRestarts.inc();
  }

  /** Sets how many cells wait in one notebook's queue (0 also when the notebook closes). */
  queueDepth(notebookUuid: string, waiting: number): void {
    if (waiting > 0) this.queueDepths.set(notebookUuid, waiting);
    else this.queueDepths.delete(notebookUuid);
  }

  /** Counts a websocket client joining (+1) or leaving (-1) a feed. */
  feedClients(feed: Feed, delta: 1 | -1): void {
    this.clients.inc({ feed }, delta);
  }

  /** Counts one cell queued for execution. */
  executionQueued(): void {
    this.executions.inc();
  }

  /** Counts one WebDAV request. */
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
}
