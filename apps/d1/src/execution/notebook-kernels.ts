import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { type KernelHandle, withTimeout } from '@d1/kernel-relay';
import { Subject, type Subscription } from 'rxjs';
import { D1_CONFIG, D1Config } from '../app-config';
import { kernelUnavailable, notebookNotFound } from '../common/errors';
import type { AnnouncedState } from '../events/messages';
import { NotebookEvents } from '../events/notebook-events';
import { JupyterService } from '../kernels/jupyter.service';
import { KernelOwners } from '../kernels/kernel-owners';
import { KERNEL_START_TIMEOUT_MS, KernelPool } from '../kernels/kernel-pool';
import { KernelsService } from '../kernels/kernels.service';
import { NotebooksService } from '../notebooks/notebooks.service';
import { runHidden } from './hidden-execution';
import { chdirCode } from './kernel-snippets';
import type { OpenNotebook } from '../notebooks/open-notebook';
import { isInside, relativeToRoot } from '../notebooks/paths';

/** A notebook's kernel changed: a new connection (at open, or a fresh kernel), or null when it was lost. */
export interface KernelChange {
  notebookUuid: string;
  handle: KernelHandle | null;
}

/** Where one notebook's kernel stands. */
interface KernelSlot {
  /**
   * The current kernel connection (also while it restarts); null while a kernel starts or is replaced, after
   * a failed start, and after close.
   */
  handle: KernelHandle | null;
  /**
   * Settles with the kernel once it can take requests; replaced by a new promise whenever it cannot for a
   * while (a start, a restart, a recovery, a replacement). Rejects when that failed.
   */
  ready: Promise<KernelHandle>;
  /** Where `ready` stands: `starting` until it settles, then `ready` or `failed` (see `error`). */
  phase: 'starting' | 'ready' | 'failed';
  /** Why the kernel could not start, while `phase` is `failed`. */
  error: string | null;
  /** Bumped by every start, reattach, replacement and stop: a start that ends superseded gives its kernel up. */
  generation: number;
}

/** How long moving a pool kernel to a notebook's directory may take before a fresh kernel is started instead. */
const POOL_SETUP_TIMEOUT_MS = 10_000;

/**
 * Starts (or reattaches), replaces and stops the one kernel of each open notebook as notebooks open and
 * close, and is the one way a request reaches it: `ready()` waits while the kernel starts or restarts and
 * says why when it cannot.
 */
@Injectable()
export class NotebookKernels extends KernelOwners implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('NotebookKernels');
  /** Emits whenever a notebook's kernel handle is created, replaced or lost. */
  readonly kernelChanged$ = new Subject<KernelChange>();
  private readonly slots = new WeakMap<OpenNotebook, KernelSlot>();
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly notebooks: NotebooksService,
    private readonly kernels: KernelsService,
    private readonly jupyter: JupyterService,
    private readonly pool: KernelPool,
    private readonly events: NotebookEvents,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {
    super();
  }

  onModuleInit(): void {
    this.subscriptions.push(
      this.notebooks.opened$.subscribe(({ nb, kernelId }) => {
        if (kernelId) this.attach(nb, kernelId);
        else this.start(nb);
      }),
      this.notebooks.closed$.subscribe((closed) => closed.waitFor(this.stop(closed.nb))),
      this.jupyter.restarted$.subscribe(() => {
        for (const nb of this.notebooks.all()) void this.replace(nb);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** /kernels/{notebook uuid}/... waits for that notebook's kernel, as every kernel request does. */
  async kernelIdOf(id: string): Promise<string | undefined> {
    const nb = this.notebooks.find(id);
    return nb ? (await this.ready(nb)).id : undefined;
  }

  /** The notebook's current kernel connection (also while it restarts), or null. */
  current(nb: OpenNotebook): KernelHandle | null {
    return this.slots.get(nb)?.handle ?? null;
  }

  /** Whether the notebook's kernel can take requests within `ms` (waiting while it starts); never throws. */
  async startedWithin(nb: OpenNotebook, ms: number): Promise<boolean> {
    if (this.current(nb)) return true;
    return withTimeout(this.slot(nb).ready, ms, 'kernel').then(
      () => true,
      () => false,
    );
  }

  /** Gives the notebook a kernel in the background: a pool kernel when one fits, else a new one. */
  private start(nb: OpenNotebook): void {
    this.slot(nb).handle = null;
    this.pend(nb, this.launch(nb, this.bump(nb)));
  }

  /** Connects to the notebook's kernel still running in the kernel service; a new one if that fails. */
  private attach(nb: OpenNotebook, kernelId: string): void {
    this.slot(nb).handle = null;
    this.pend(nb, this.reattach(nb, kernelId, this.bump(nb)));
  }

  /** Replaces a lost kernel with a fresh one, telling the notebook's clients (restarting, then idle). */
  async replace(nb: OpenNotebook): Promise<void> {
    const slot = this.slot(nb);
    const old = slot.handle;
    const generation = this.bump(nb);
    slot.handle = null;
    this.announce(nb, 'restarting');
    this.kernelChanged$.next({ notebookUuid: nb.uuid, handle: null });
    const fresh = async (): Promise<KernelHandle> => {
      if (old) await this.kernels.relay.shutdown(old.id).catch(() => undefined);
      return this.launch(nb, generation);
    };
    await this.pend(nb, fresh()).then(
      () => this.announce(nb, 'idle'),
      () => undefined,
    );
  }

  /** Runs `work` on the notebook's kernel (d1's restart and set-up) while requests wait for it. */
  during(nb: OpenNotebook, work: () => Promise<KernelHandle>): Promise<KernelHandle> {
    return this.pend(nb, work());
  }

  /** The kernel service restarts the kernel by itself (after a death): requests wait until it answers. */
  recover(nb: OpenNotebook, handle: KernelHandle): Promise<KernelHandle> {
    return this.pend(
      nb,
      handle.restarted(KERNEL_START_TIMEOUT_MS).then(() => handle),
    );
  }

  /**
   * The notebook's kernel for a request: waits while it starts, restarts or is replaced (bounded by the kernel
   * start timeout); 503 KERNEL_UNAVAILABLE saying why when it cannot start or was shut down.
   */
  async ready(nb: OpenNotebook): Promise<KernelHandle> {
    const deadline = Date.now() + KERNEL_START_TIMEOUT_MS;
    const slot = this.slot(nb);
    for (;;) {
      const pending = slot.ready;
      const left = Math.max(0, deadline - Date.now());
      const handle = await withTimeout(pending, left, 'kernel').catch(() => null);
      if (nb.closed) throw notebookNotFound(nb.uuid);
      if (slot.ready !== pending) continue; // replaced while we waited: wait for the new one
      if (handle === null && slot.phase === 'starting') {
        throw kernelUnavailable(
          `The notebook's kernel did not become ready within ${KERNEL_START_TIMEOUT_MS / 1000} s`,
        );
      }
      return this.reachable(nb, handle, "The notebook's kernel is not available");
    }
  }

  /** The kernel when it can take requests right now (the execution queue's view), else null. */
  usable(nb: OpenNotebook): KernelHandle | null {
    const { handle, phase } = this.slot(nb);
    return phase === 'ready' && handle && !handle.isDisposed ? handle : null;
  }

  /** Why requests cannot reach the notebook's kernel (a failed start, a kernel shut down by hand), or null. */
  unavailable(nb: OpenNotebook): string | null {
    const { handle, phase, error } = this.slot(nb);
    if (phase === 'failed') {
      return `The notebook's kernel could not start (${error ?? 'unknown error'}); restart the kernel to try again`;
    }
    if (phase === 'ready' && (!handle || handle.isDisposed)) {
      return "The notebook's kernel was shut down; restart the kernel to start a new one";
    }
    return null;
  }

  /**
   * The kernel, unless requests cannot reach it: then 503 KERNEL_UNAVAILABLE saying why (`otherwise` when no
   * reason is known, i.e. there is no kernel). With `kernel` undefined only a known reason refuses.
   */
  reachable(nb: OpenNotebook, kernel: KernelHandle | null, otherwise: string): KernelHandle;
  reachable(nb: OpenNotebook): void;
  reachable(nb: OpenNotebook, kernel?: KernelHandle | null, otherwise = ''): KernelHandle | void {
    const reason = this.unavailable(nb);
    if (reason) throw kernelUnavailable(reason);
    if (kernel === undefined) return;
    if (!kernel) throw kernelUnavailable(otherwise);
    return kernel;
  }

  /** Waits until no start or restart is in progress, whatever its outcome. */
  async settled(nb: OpenNotebook): Promise<void> {
    const slot = this.slot(nb);
    for (let pending: Promise<KernelHandle> | null = null; pending !== slot.ready;) {
      pending = slot.ready;
      await pending.catch(() => undefined);
    }
  }

  /** Shuts the notebook's kernel down; a start still in progress gives its kernel up when it ends. */
  async stop(nb: OpenNotebook): Promise<void> {
    this.bump(nb);
    await this.settled(nb);
    const slot = this.slot(nb);
    const handle = slot.handle;
    slot.handle = null;
    if (handle) await this.kernels.relay.shutdown(handle.id).catch(() => undefined);
  }

  /** Sends `kernel_status` to the notebook's clients. */
  announce(nb: OpenNotebook, state: AnnouncedState): void {
    if (nb.closed) return;
    this.events.emit(nb.uuid, { kernel_status: { execution_state: state, kernel_name: nb.kernelspec.name } });
  }

  /** Makes `pending` what requests wait for; the notebook's kernel phase follows its outcome. */
  private pend(nb: OpenNotebook, pending: Promise<KernelHandle>): Promise<KernelHandle> {
    const slot = this.slot(nb);
    slot.ready = pending;
    slot.phase = 'starting';
    slot.error = null;
    pending.then(
      () => {
        if (slot.ready === pending) slot.phase = 'ready';
      },
      (err: Error) => {
        if (slot.ready !== pending) return;
        slot.phase = 'failed';
        slot.error = err.message;
      },
    );
    return pending;
  }

  private bump(nb: OpenNotebook): number {
    return ++this.slot(nb).generation;
  }

  private slot(nb: OpenNotebook): KernelSlot {
    let slot = this.slots.get(nb);
    if (!slot) {
      const ready = Promise.reject(new Error('kernel not started'));
      ready.catch(() => undefined);
      slot = { handle: null, ready, phase: 'starting', error: null, generation: 0 };
      this.slots.set(nb, slot);
    }
    return slot;
  }

  private async launch(nb: OpenNotebook, generation: number): Promise<KernelHandle> {
    const handle = (await this.fromPool(nb)) ?? (await this.startFresh(nb));
    return this.adopt(nb, handle, generation);
  }

  private async reattach(nb: OpenNotebook, kernelId: string, generation: number): Promise<KernelHandle> {
    let handle: KernelHandle;
    try {
      handle = await this.kernels.relay.attach(kernelId);
      await handle.ready(KERNEL_START_TIMEOUT_MS);
    } catch (err) {
      this.logger.warn(
        `kernel ${kernelId} of notebook ${nb.uuid} could not be reattached (${(err as Error).message}); starting a new one`,
      );
      await this.kernels.relay.shutdown(kernelId).catch(() => undefined);
      return this.launch(nb, generation);
    }
    return this.adopt(nb, handle, generation);
  }

  /** Makes `handle` the notebook's kernel, unless the notebook closed or a newer start took over. */
  private async adopt(nb: OpenNotebook, handle: KernelHandle, generation: number): Promise<KernelHandle> {
    if (nb.closed || this.slot(nb).generation !== generation) {
      await this.kernels.relay.shutdown(handle.id).catch(() => undefined);
      throw new Error(
        nb.closed ? 'the notebook was closed while its kernel started' : 'a newer kernel took over',
      );
    }
    this.slot(nb).handle = handle;
    this.kernelChanged$.next({ notebookUuid: nb.uuid, handle });
    return handle;
  }

  private async startFresh(nb: OpenNotebook): Promise<KernelHandle> {
    const root = this.config.rootDir;
    const path = isInside(root, nb.workingDirectory) ? relativeToRoot(root, nb.workingDirectory) : '';
    try {
      return await this.kernels.relay.start(nb.kernelspec.name, {
        path,
        readyTimeoutMs: KERNEL_START_TIMEOUT_MS,
      });
    } catch (err) {
      this.logger.warn(`kernel for notebook ${nb.uuid} failed to start: ${(err as Error).message}`);
      this.announce(nb, 'dead');
      throw err;
    }
  }

  /**
   * A pool kernel moved to the notebook's working directory (pool kernels start in the root), or null when
   * none fits or it cannot be moved; then a fresh kernel starts there instead.
   */
  private async fromPool(nb: OpenNotebook): Promise<KernelHandle | null> {
    const handle = await this.pool.take(nb.kernelspec.name);
    if (!handle || nb.workingDirectory === this.config.rootDir) return handle;
    const code = chdirCode(nb.kernelspec.language ?? '', nb.workingDirectory);
    try {
      if (!code)
        throw new Error(`no way to change directory in ${nb.kernelspec.language ?? 'this language'}`);
      await runHidden(handle, code, POOL_SETUP_TIMEOUT_MS);
      return handle;
    } catch (err) {
      this.logger.debug(`pool kernel ${handle.id} not used for ${nb.uuid}: ${(err as Error).message}`);
      await this.kernels.relay.shutdown(handle.id).catch(() => undefined);
      return null;
    }
  }
}
