import { Inject, Injectable, Logger } from '@nestjs/common';
import type { KernelHandle } from '@d1/kernel-relay';
import { Subject } from 'rxjs';
import { D1_CONFIG, D1Config } from '../app-config';
import { NotebookEvents } from '../events/notebook-events';
import { KernelsService } from '../kernels/kernels.service';
import { NotebookKernelspec, resolveKernelspec } from './kernelspec';
import type { OpenNotebook } from './open-notebook';
import { isInside, relativeToRoot } from './paths';

/** A notebook got a kernel connection: at open, or a fresh kernel after the kernel service lost it. */
export interface KernelChange {
  notebookUuid: string;
  handle: KernelHandle;
}

/** Kernel states d1 announces in `kernel_status`. */
export type AnnouncedState = 'starting' | 'idle' | 'busy' | 'restarting' | 'dead';

/** Chooses, starts, replaces and stops the one kernel of each open notebook. */
@Injectable()
export class NotebookKernels {
  private readonly logger = new Logger('NotebookKernels');
  /** Emits whenever a notebook's kernel handle is created or replaced. */
  readonly kernelChanged$ = new Subject<KernelChange>();

  constructor(
    private readonly kernels: KernelsService,
    private readonly events: NotebookEvents,
    @Inject(D1_CONFIG) private readonly config: D1Config,
  ) {}

  /** d1's kernel spec choice for a notebook (see resolveKernelspec). */
  async chooseSpec(requested: string | undefined, notebookKernelspec: unknown): Promise<NotebookKernelspec> {
    const [{ kernelspecs }, defaultName] = await Promise.all([
      this.kernels.relay.specs(),
      this.kernels.defaultSpecName(),
    ]);
    const catalog = Object.fromEntries(Object.entries(kernelspecs).map(([name, s]) => [name, s.spec]));
    return resolveKernelspec(catalog, defaultName, requested, notebookKernelspec);
  }

  /** Starts the notebook's kernel in the background; `nb.kernelReady` settles when it answers. */
  start(nb: OpenNotebook): void {
    nb.kernel = null;
    nb.kernelReady = this.launch(nb);
    // The promise is kept for callers; this handler only keeps a failed start from being "unhandled".
    nb.kernelReady.catch(() => undefined);
  }

  /** Replaces a lost kernel with a fresh one, telling the notebook's clients (restarting, then idle). */
  async replace(nb: OpenNotebook): Promise<void> {
    const old = nb.kernel;
    this.announce(nb, 'restarting');
    if (old) await this.kernels.relay.shutdown(old.id).catch(() => undefined);
    this.start(nb);
    await nb.kernelReady.then(
      () => this.announce(nb, 'idle'),
      () => undefined,
    );
  }

  /** Shuts the notebook's kernel down, waiting for a start in progress first. */
  async stop(nb: OpenNotebook): Promise<void> {
    const handle = await nb.kernelReady.catch(() => null);
    nb.kernel = null;
    if (handle) await this.kernels.relay.shutdown(handle.id).catch(() => undefined);
  }

  /** Sends `kernel_status` to the notebook's clients. */
  announce(nb: OpenNotebook, state: AnnouncedState): void {
    if (nb.closed) return;
    this.events.emit(nb.uuid, { kernel_status: { execution_state: state, kernel_name: nb.kernelspec.name } });
  }

  private async launch(nb: OpenNotebook): Promise<KernelHandle> {
    const root = this.config.rootDir;
    const path = isInside(root, nb.workingDirectory) ? relativeToRoot(root, nb.workingDirectory) : '';
    let handle: KernelHandle;
    try {
      handle = await this.kernels.relay.start(nb.kernelspec.name, { path });
    } catch (err) {
      this.logger.warn(`kernel for notebook ${nb.uuid} failed to start: ${(err as Error).message}`);
      this.announce(nb, 'dead');
      throw err;
    }
    if (nb.closed) {
      await this.kernels.relay.shutdown(handle.id).catch(() => undefined);
      throw new Error(`notebook ${nb.uuid} was closed while its kernel started`);
    }
    nb.kernel = handle;
    this.kernelChanged$.next({ notebookUuid: nb.uuid, handle });
    return handle;
  }
}
