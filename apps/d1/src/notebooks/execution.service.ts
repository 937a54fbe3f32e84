import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { RelayMessage } from '@d1/kernel-relay';
import type { Subscription } from 'rxjs';
import { conflict, kernelUnavailable } from '../common/errors';
import { KernelsService } from '../kernels/kernels.service';
import { NotebookEvents } from '../events/notebook-events';
import { MetricsService } from '../server/metrics.service';
import { NotebookKernels } from './notebook-kernels';
import { NotebookRuntime } from './notebook-runtime';
import { NotebooksService } from './notebooks.service';
import type { OpenNotebook } from './open-notebook';
import { KernelRequests } from './kernel-requests';

/** `{message_id}` as d1 answers execution requests. */
export interface KernelMessageRef {
  message_id: string;
}

/** Runs notebooks: the execution queue, restarts and interrupts, scratch code and input(). */
@Injectable()
export class ExecutionService implements OnModuleInit, OnModuleDestroy {
  private readonly runtimes = new Map<string, NotebookRuntime>();
  private subscriptions: Subscription[] = [];

  constructor(
    private readonly notebooks: NotebooksService,
    private readonly nbKernels: NotebookKernels,
    private readonly kernels: KernelsService,
    private readonly events: NotebookEvents,
    private readonly requests: KernelRequests,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.subscriptions.push(
      this.notebooks.kernelChanged$.subscribe(({ notebookUuid, handle }) => {
        const nb = this.notebooks.find(notebookUuid);
        if (nb) this.runtime(nb).watch(handle);
      }),
      this.notebooks.closed$.subscribe((uuid) => this.runtimes.delete(uuid)),
    );
    this.kernels.registerBusySource(() => [...this.runtimes.values()].some((r) => r.queue.busy));
    this.metrics.registerQueueDepth(() =>
      [...this.runtimes.values()].reduce((n, r) => n + r.queue.waiting.length, 0),
    );
    this.events.registerSource({
      exists: (uuid) => this.notebooks.find(uuid) !== undefined,
      snapshot: (uuid) => this.notebooks.find(uuid)?.model.toJson() ?? null,
      greeting: (uuid) => {
        const input = this.runtimes.get(uuid)?.queue.pendingInput;
        if (!input) return [];
        const { parentHeader: _omit, ...shown } = input;
        return [{ input_request: shown }];
      },
      command: (uuid, clientId, raw) =>
        this.requests.handleCommand(this.notebooks.find(uuid) ?? null, clientId, raw),
    });
  }

  onModuleDestroy(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /** The runtime of an open notebook, created on first use. */
  runtime(nb: OpenNotebook): NotebookRuntime {
    let rt = this.runtimes.get(nb.uuid);
    if (!rt || rt.nb !== nb) {
      rt = new NotebookRuntime(nb, {
        events: this.events,
        markChanged: (n) => this.notebooks.markChanged(n),
        replaceKernel: (n) => this.nbKernels.replace(n),
        announce: (n, state) => this.nbKernels.announce(n, state),
        workingDirectoryChanged: (n, cwd) => this.notebooks.setWorkingDirectory(n, cwd),
      });
      this.runtimes.set(nb.uuid, rt);
      if (nb.kernel) rt.watch(nb.kernel);
    }
    return rt;
  }

  /** Queues one cell; answers at once with the msg_id its execute_request will carry. */
  execute(uuid: string, cellId: string): KernelMessageRef {
    const nb = this.notebooks.get(uuid);
    nb.model.getCell(cellId);
    const rt = this.runtime(nb);
    const msgId = rt.queue.enqueue(cellId);
    this.metrics.executionQueued();
    if (!nb.kernel)
      void nb.kernelReady.then(
        () => rt.queue.pump(),
        () => rt.queue.abortWaiting(),
      );
    return { message_id: msgId };
  }

  /** Queues the code cells in order: all, or those above/below a position (0 means no filter, as in d1). */
  executeAll(uuid: string, above?: number, below?: number): KernelMessageRef[] {
    const nb = this.notebooks.get(uuid);
    const cells = nb.model.cellsJson().filter((c) => {
      const pos = (c.metadata.jupyter_d1 as { position: number }).position;
      return c.cell_type === 'code' && (!above || pos < above) && (!below || pos > below);
    });
    return cells.map((c) => this.execute(uuid, c.id as string));
  }

  /** Removes a queued cell; 409 when it is running or not queued. */
  cancel(uuid: string, cellId: string): void {
    const nb = this.notebooks.get(uuid);
    nb.model.getCell(cellId);
    const rt = this.runtime(nb);
    if (rt.queue.current === cellId) throw conflict('The cell is running; interrupt the kernel to stop it');
    if (!rt.queue.cancel(cellId)) throw conflict('The cell is not queued');
  }

  /** Interrupts the running cell and empties the queue. */
  async interrupt(uuid: string): Promise<void> {
    const nb = this.notebooks.get(uuid);
    const rt = this.runtime(nb);
    const kernel = this.kernelOf(nb);
    rt.queue.abortWaiting();
    rt.queue.dropInput();
    // Announced before the signal goes out, so it precedes the KeyboardInterrupt output for every client.
    this.events.emit(nb.uuid, { kernel_interrupted: { interrupted: true } });
    await kernel.interrupt();
  }

  /** Restarts the kernel (same id): queue emptied, cells idle, outputs cleared on request, then maybe run all. */
  async restart(uuid: string, opts: { clear?: boolean; runAll?: boolean } = {}): Promise<KernelMessageRef[]> {
    const nb = this.notebooks.get(uuid);
    const rt = this.runtime(nb);
    rt.restarting = true;
    try {
      rt.queue.abortWaiting();
      await this.restartOrReplace(nb, rt);
    } finally {
      rt.restarting = false;
    }
    nb.model.setAllIdle();
    if (opts.clear || opts.runAll) nb.model.clearAll();
    this.events.emit(nb.uuid, {
      kernel_restarted: { run_all_cells: opts.runAll === true, cells: nb.model.cellsJson() },
    });
    // The new kernel starts where the notebook says, before any cell runs in it.
    await this.requests.chdir(nb, rt, nb.workingDirectory).done.catch(() => undefined);
    const runs = opts.runAll ? this.executeAll(uuid) : [];
    rt.finished(); // the old variables are gone: clients learn it (after the run when cells were queued)
    return runs;
  }

  /** Restarts the kernel; a notebook whose kernel is gone (shut down by hand, say) gets a fresh one. */
  private async restartOrReplace(nb: OpenNotebook, rt: NotebookRuntime): Promise<void> {
    const kernel = nb.kernel;
    if (kernel && !kernel.isDisposed) {
      await kernel.restart();
      rt.queue.failRunning(null);
      rt.kernelRestarted(kernel);
      return;
    }
    rt.queue.failRunning(null);
    await this.nbKernels.replace(nb);
    if (!nb.kernel) throw kernelUnavailable('The notebook has no running kernel right now; retry shortly');
  }

  /** Runs code that belongs to no cell; results go out only as `scratch_update`. */
  scratch(uuid: string, code: string): KernelMessageRef {
    const nb = this.notebooks.get(uuid);
    const kernel = this.kernelOf(nb);
    const send = (m: object): void => void this.events.emit(nb.uuid, { scratch_update: m });
    const execution = kernel.execute(
      code,
      { storeHistory: false, allowStdin: false, stopOnError: false },
      (msg) => this.scratchMessage(execution.msgId, msg, send),
    );
    execution.done.then(
      () => this.runtime(nb).finished(),
      () => undefined,
    );
    return { message_id: execution.msgId };
  }

  /** Answers a pending input(); 409 when the kernel is not waiting for input. */
  input(uuid: string, value: string): void {
    const rt = this.runtime(this.notebooks.get(uuid));
    if (!rt.queue.answerInput(value)) throw conflict('The kernel is not waiting for input');
  }

  /** The input() the notebook's kernel waits for, as clients see it, or null. */
  pendingInput(uuid: string): Record<string, unknown> | null {
    const input = this.runtime(this.notebooks.get(uuid)).queue.pendingInput;
    if (!input) return null;
    const { parentHeader: _omit, ...shown } = input;
    return shown;
  }

  /** The kernel of a notebook, or 503 when it is not available right now. */
  kernelOf(nb: OpenNotebook) {
    const kernel = nb.kernel;
    if (!kernel || kernel.isDisposed)
      throw kernelUnavailable('The notebook has no running kernel right now; retry shortly');
    return kernel;
  }

  private scratchMessage(msgId: string, msg: RelayMessage, send: (m: object) => void): void {
    const type = msg.header.msg_type;
    if (type === 'status') send({ message_id: msgId, execution_state: msg.content.execution_state });
    else if (['stream', 'display_data', 'execute_result', 'error'].includes(type)) {
      const { transient: _t, ...content } = msg.content as Record<string, unknown>;
      send({ message_id: msgId, output: { output_type: type, ...content } });
    }
  }
}
