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
import { JupyterService } from './jupyter.service';
import { KernelsService } from './kernels.service';

/** How long a kernel may take to answer its first kernel_info, for notebooks and the pool alike. */
export const KERNEL_START_TIMEOUT_MS = 60_000;

/** Pauses after a pool kernel failed to start (the kernel service may be down): doubled up to the last. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** While cells run the refill waits (a kernel boot takes a core for a second), checking this often… */
const REFILL_RECHECK_MS = 250;
/** …but no longer than this, so a long computation does not leave the pool empty. */
const REFILL_MAX_DEFER_MS = 10_000;
/** How long d1's exit waits for a kernel the pool asked for to be created, so that it can shut it down. */
const CREATE_WAIT_MS = 5000;

/** A pool kernel being started. */
interface PoolStart {
  /** Settles with the kernel id once the kernel service created it, or null when it never will. */
  created: Promise<string | null>;
  id: string | null;
  /** Begun before the kernel service last lost its kernels: whatever it gives is shut down. */
  stale: boolean;
  /** Settles when the start is over (its kernel joined the pool, or not). */
  done?: Promise<void>;
}

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
 * Refilled in the background, one start at a time, and not while cells run (up to a bound); emptied and
 * refilled when the kernel service lost its kernels; shut down with d1. Pool kernels start in the kernel
 * service's root directory: whoever takes one moves it where it belongs.
 */
@Injectable()
export class KernelPool implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('KernelPool');
  private readonly ready: KernelHandle[] = [];
  private readonly starts = new Set<PoolStart>();
  private spec: string | null = null;
  private closed = false;
  private retryMs = RETRY_FIRST_MS;
  private retry: NodeJS.Timeout | null = null;
  private deferred: NodeJS.Timeout | null = null;
  /** Since when the refill has been waiting for running cells. */
  private busySince: number | null = null;
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
    if (this.deferred) clearTimeout(this.deferred);
    const created = [...this.starts].map((s) => Promise.race([s.created, delay(CREATE_WAIT_MS)]));
    const ids = [...this.ready.splice(0).map((h) => h.id), ...(await Promise.all(created))];
    await Promise.all(
      ids
        .filter((id): id is string => typeof id === 'string')
        .map((id) => this.kernels.relay.shutdown(id).catch(() => undefined)),
    );
  }

  /**
   * A started kernel of `spec` for a notebook, or null (another spec, or none to be had); the pool refills.
   * A kernel the pool is starting right now is waited for: sooner, and cheaper, than starting another.
   */
  async take(spec: string): Promise<KernelHandle | null> {
    for (let waited = false; !this.closed; waited = true) {
      if (this.spec !== null && spec !== this.spec) return null;
      const handle = this.shiftUsable();
      if (handle) {
        this.changed$.next();
        this.fill();
        return handle;
      }
      const starting = this.current();
      if (!starting || waited) break;
      await starting.done;
    }
    this.fill();
    return null;
  }

  /** Ids of the pool's kernels, ready or starting (what a restarted d1 must not leave behind). */
  kernelIds(): string[] {
    const starting = [...this.starts].map((s) => s.id).filter((id): id is string => id !== null);
    return [...this.ready.map((h) => h.id), ...starting];
  }

  /** GET /kernels/pool. */
  status(): PoolStatus {
    return {
      spec: this.spec,
      size: this.config.kernelPool,
      ready: this.ready.length,
      starting: this.current() ? 1 : 0,
    };
  }

  /** The start in flight that will feed the pool, if any. */
  private current(): PoolStart | undefined {
    return [...this.starts].find((s) => !s.stale);
  }

  /** Starts the next kernel when the pool is short and nothing is starting (one start at a time). */
  private fill(): void {
    if (this.config.kernelPool === 0 || this.closed || this.retry || this.deferred || this.current()) return;
    if (this.ready.length >= this.config.kernelPool || this.yieldToCells()) return;
    let created!: (id: string | null) => void;
    const start: PoolStart = {
      created: new Promise((resolve) => (created = resolve)),
      id: null,
      stale: false,
    };
    this.starts.add(start);
    start.done = this.startOne(start, created)
      .then(
        () => {
          this.retryMs = RETRY_FIRST_MS;
        },
        (err: Error) => this.backOff(err),
      )
      .finally(() => {
        created(null);
        this.starts.delete(start);
        this.fill();
      });
  }

  private async startOne(start: PoolStart, created: (id: string | null) => void): Promise<void> {
    this.spec ??= await this.kernels.defaultSpecName();
    const handle = await this.kernels.relay.start(this.spec, {
      path: '',
      readyTimeoutMs: KERNEL_START_TIMEOUT_MS,
      onCreated: (id) => {
        start.id = id;
        created(id);
        this.changed$.next();
      },
    });
    if (this.closed || start.stale) {
      await this.kernels.relay.shutdown(handle.id).catch(() => undefined);
      return;
    }
    handle.once('disposed', () => this.drop(handle));
    this.ready.push(handle);
  }

  /** While cells run, puts the refill off a little (true), but never for longer than REFILL_MAX_DEFER_MS. */
  private yieldToCells(): boolean {
    if (!this.kernels.busy()) {
      this.busySince = null;
      return false;
    }
    this.busySince ??= Date.now();
    if (Date.now() - this.busySince >= REFILL_MAX_DEFER_MS) {
      this.busySince = null;
      return false;
    }
    this.deferred = setTimeout(() => {
      this.deferred = null;
      this.fill();
    }, REFILL_RECHECK_MS);
    this.deferred.unref();
    return true;
  }

  private shiftUsable(): KernelHandle | null {
    while (this.ready.length > 0) {
      const next = this.ready.shift() as KernelHandle;
      if (!next.isDisposed && next.status !== 'dead') return next;
    }
    return null;
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

  /**
   * The kernel service lost its kernels (or may have): forget the pool's, shut down any left, give up the
   * starts in flight (nobody waits for them any more), refill.
   */
  private drain(): void {
    for (const start of this.starts) start.stale = true;
    for (const handle of this.ready.splice(0))
      void this.kernels.relay.shutdown(handle.id).catch(() => undefined);
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.retryMs = RETRY_FIRST_MS;
    this.fill();
  }
}

function delay(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms).unref());
}
