import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { D1_CONFIG, D1Config } from '../app-config';
import { NotebookEvents } from '../events/notebook-events';
import type { ServerStats } from '../events/messages';
import { CpuTimes, cpuPercent, cpuTimes, diskStats, loadPercent } from './stats-sample';

/** How often stats are sampled and broadcast by default (the original's polling interval). */
export const STATS_INTERVAL_MS = 5000;
/** Samples kept for `GET /server/stats`: an hour at the default interval. */
const KEEP = 720;

/**
 * Samples disk, memory and CPU every few seconds, keeps recent samples and broadcasts each as `server_stats`
 * on /server/ws. A sample is a statfs and a few os calls; the timer is unref'd and stopped on shutdown.
 */
@Injectable()
export class StatsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(StatsService.name);
  /** Newest last (appended); read newest first. */
  private readonly samples: ServerStats[] = [];
  private timer: NodeJS.Timeout | null = null;
  private cpuBefore: CpuTimes = cpuTimes(cpus());
  private sampling = false;
  private intervalMs = STATS_INTERVAL_MS;

  constructor(
    private readonly events: NotebookEvents,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {}

  onApplicationBootstrap(): void {
    this.start();
  }

  onModuleDestroy(): void {
    this.stop();
  }

  /** Changes the sampling interval (tests use a short one) and samples once at once. */
  setInterval(ms: number): void {
    this.intervalMs = ms;
    if (this.timer) this.start();
  }

  /** Up to `limit` samples after skipping `skip`, newest first. */
  list(limit: number, skip: number): ServerStats[] {
    const end = Math.max(0, this.samples.length - skip);
    return this.samples.slice(Math.max(0, end - limit), end).reverse();
  }

  /** The newest sample, or null before the first. */
  latest(): ServerStats | null {
    return this.samples.at(-1) ?? null;
  }

  /** Takes one sample, keeps it and broadcasts it; overlapping calls are skipped. */
  async sample(): Promise<ServerStats | null> {
    if (this.sampling) return null;
    this.sampling = true;
    try {
      const stats = await this.measure();
      this.samples.push(stats);
      if (this.samples.length > KEEP) this.samples.splice(0, this.samples.length - KEEP);
      this.events.emitServer({ server_stats: stats });
      return stats;
    } catch (err) {
      this.logger.warn(`server stats not sampled: ${(err as Error).message}`);
      return null;
    } finally {
      this.sampling = false;
    }
  }

  private start(): void {
    this.stop();
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async measure(): Promise<ServerStats> {
    const cores = cpus();
    const now = cpuTimes(cores);
    const cpu = {
      percent: cpuPercent(this.cpuBefore, now),
      load_percent: loadPercent(loadavg()[0], cores.length),
    };
    this.cpuBefore = now;
    return {
      timestamp: new Date().toISOString(),
      disk: diskStats(await statfs(this.config.rootDir)),
      memory: { available: freemem(), total: totalmem() },
      cpu,
      gpu: [],
    };
  }
}
