import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleInit,
} from '@nestjs/common';
import type { KernelHandle } from '@d1/kernel-relay';
import { Subject, type Subscription } from 'rxjs';
import { D1_CONFIG, D1Config } from '../app-config';
import { JupyterService } from '../server/jupyter.service';
import { KernelsService } from './kernels.service';

/** How long a kernel may take to answer its first kernel_info, for notebooks and the pool alike. */
export const KERNEL_START_TIMEOUT_MS = 60_000;

/** Pauses after a pool kernel failed to start (the kernel service may be down): doubled up to the last. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

/** What GET /kernels/pool reports. */
export interface PoolStatus {
  /** The kernel spec the pool keeps (the default one); null until it is known. */
  spec: string | null;
  /** How many started kernels the pool keeps (`--kernel-pool`). */
  size: number;
  /** Kernels started and waiting for a notebook. */
  ready: number;
  /** Kernels being started now. */
  starting: number;
}

/**
 * Started kernels of the default spec, kept for notebooks that open so they need not wait for a kernel start.
 * Refilled in the background, one start at a time; emptied and refilled when the kernel service lost its
 * kernels; shut down with d1. Pool kernels start in the kernel service's root directory: whoever takes one
 * moves it where it belongs.
 */
@Injectable()
export class KernelPool implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KernelPool');
  private readonly ready: KernelHandle[] = [];
  /** Kernel ids of starts in flight (known once the kernel service created them), by start. */
  private readonly starts = new Map<Promise<void>, string | null>();
  private spec: string | null = null;
  private closed = false;
  private retryMs = RETRY_FIRST_MS;
  private retry: NodeJS.Timeout | null = null;
  private subscription: Subscription | null = null;
  /** Emits when the pool's kernels changed (one created, taken, or gone). */
  readonly changed$ = new Subject<void>();

  constructor(
    private readonly kernels: KernelsService,
    private readonly jupyter: JupyterService,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {}

  /**
   * Subscribed before the notebooks are (their module comes later): after a kernel service restart the pool
   * is emptied before any notebook looks for a kernel in it.
   */
  onModuleInit(): void {
    if (this.config.kernelPool === 0) return;
    this.subscription = this.jupyter.restarted$.subscribe(() => this.drain());
  }

  onApplicationBootstrap(): void {
    this.fill();
  }

  /** Shuts the pool's kernels down, those still starting included: none outlives d1. */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.subscription?.unsubscribe();
    if (this.retry) clearTimeout(this.retry);
    const ids = [...this.ready.splice(0).map((h) => h.id), ...this.starts.values()];
    await Promise.all(
      ids
        .filter((id): id is string => id !== null)
        .map((id) => this.kernels.relay.shutdown(id).catch(() => undefined)),
    );
  }

  /** A started kernel of `spec` for a notebook, or null (none ready, or another spec); the pool refills. */
  take(spec: string): KernelHandle | null {
    if (this.closed || spec !== this.spec) return null;
    let handle: KernelHandle | null = null;
    while (!handle && this.ready.length > 0) {
      const next = this.ready.shift() as KernelHandle;
      if (!next.isDisposed && next.status !== 'dead') handle = next;
    }
    if (handle) this.changed$.next();
    this.fill();
    return handle;
  }

  /** Ids of the pool's kernels, ready or starting (what a restarted d1 must not leave behind). */
  kernelIds(): string[] {
    const starting = [...this.starts.values()].filter((id): id is string => id !== null);
    return [...this.ready.map((h) => h.id), ...starting];
  }

  /** GET /kernels/pool. */
  status(): PoolStatus {
    return {
      spec: this.spec,
      size: this.config.kernelPool,
      ready: this.ready.length,
      starting: this.starts.size,
    };
  }

  /** Starts the next kernel when the pool is short and nothing is starting (one start at a time). */
  private fill(): void {
    if (this.config.kernelPool === 0 || this.closed || this.retry || this.starts.size > 0) return;
    if (this.ready.length >= this.config.kernelPool) return;
    const start: Promise<void> = this.startOne((id) => {
      this.starts.set(start, id);
      this.changed$.next();
    })
      .then(
        () => {
          this.retryMs = RETRY_FIRST_MS;
        },
        (err: Error) => this.backOff(err),
      )
      .finally(() => {
        this.starts.delete(start);
        this.fill();
      });
    this.starts.set(start, null);
  }

  private async startOne(created: (id: string) => void): Promise<void> {
    this.spec ??= await this.kernels.defaultSpecName();
    const handle = await this.kernels.relay.start(this.spec, {
      path: '',
      readyTimeoutMs: KERNEL_START_TIMEOUT_MS,
      onCreated: created,
    });
    if (this.closed) {
      await this.kernels.relay.shutdown(handle.id).catch(() => undefined);
      return;
    }
    handle.once('disposed', () => this.drop(handle));
    this.ready.push(handle);
  }

  private backOff(err: Error): void {
    if (this.closed) return;
    this.logger.warn(`a pool kernel failed to start (next try in ${this.retryMs} ms): ${err.message}`);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.fill();
    }, this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }

  private drop(handle: KernelHandle): void {
    const i = this.ready.indexOf(handle);
    if (i >= 0) this.ready.splice(i, 1);
    this.changed$.next();
    this.fill();
  }

  /** The kernel service lost its kernels (or may have): forget the pool's, shut down any left, refill. */
  private drain(): void {
    for (const handle of this.ready.splice(0))
      void this.kernels.relay.shutdown(handle.id).catch(() => undefined);
    this.fill();
  }
}
