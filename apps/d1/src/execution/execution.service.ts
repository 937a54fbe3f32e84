import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { type KernelHandle, type RelayMessage, RequestLost } from '@d1/kernel-relay';
import type { Output } from '@d1/notebook';
import type { Subscription } from 'rxjs';
import { conflict } from '../common/errors';
import { KERNEL_START_TIMEOUT_MS } from '../kernels/kernel-pool';
import { KernelsService } from '../kernels/kernels.service';
import type { InputRequest, NotebookMessage, NotebookMessages } from '../events/messages';
import { NotebookEvents } from '../events/notebook-events';
import { MetricsService } from '../metrics/metrics.service';
import { lostConnectionOutput } from './execution-queue';
import { NotebookKernels } from './notebook-kernels';
import { NotebookRuntime } from './notebook-runtime';
import { NotebooksService } from '../notebooks/notebooks.service';
import type { OpenNotebook } from '../notebooks/open-notebook';
import { KernelRequests } from './kernel-requests';

/** How a restart ends: outputs cleared, every code cell run again. */
interface RestartOptions {
  clear?: boolean;
  runAll?: boolean;
}

/** The error output of cells that waited for a kernel that could not start. */
function unavailableOutput(reason: string): Output {
  return {
    output_type: 'error',
    ename: 'KernelUnavailable',
    evalue: reason,
    traceback: [`KernelUnavailable: ${reason}`],
  } as Output;
}

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
      this.nbKernels.kernelChanged$.subscribe(({ notebookUuid, handle }) => {
        const nb = this.notebooks.find(notebookUuid);
        if (nb) this.runtime(nb).watch(handle);
      }),
      this.notebooks.closed$.subscribe(({ nb }) => {
        this.runtimes.delete(nb.uuid);
        this.metrics.queueDepth(nb.uuid, 0);
        this.kernels.reportBusy(nb.uuid, false);
      }),
    );
  }

  onModuleDestroy(): void {
    for (const s of this.subscriptions) s.unsubscribe();
  }

  /**
   * What a client that connects now needs to know at once: that the kernel could not start (it missed the
   * `kernel_status` then), and a pending input().
   */
  greeting(uuid: string): NotebookMessage[] {
    const nb = this.notebooks.find(uuid);
    const out: NotebookMessage[] = [];
    if (nb && this.nbKernels.unavailable(nb))
      out.push({ kernel_status: { execution_state: 'dead', kernel_name: nb.kernelspec.name } });
    const input = this.runtimes.get(uuid)?.queue.shownInput;
    if (input) out.push({ input_request: input });
    return out;
  }

  /** The runtime of an open notebook, created on first use. */
  runtime(nb: OpenNotebook): NotebookRuntime {
    let rt = this.runtimes.get(nb.uuid);
    if (!rt || rt.nb !== nb) {
      rt = new NotebookRuntime(nb, {
        events: this.events,
        kernels: this.nbKernels,
        markChanged: (n) => this.notebooks.markChanged(n),
        workingDirectoryChanged: (n, cwd) => this.notebooks.setWorkingDirectory(n, cwd),
        activity: (n, waiting, busy) => {
          this.metrics.queueDepth(n.uuid, waiting);
          this.kernels.reportBusy(n.uuid, busy);
        },
      });
      this.runtimes.set(nb.uuid, rt);
      const kernel = this.nbKernels.current(nb);
      if (kernel) rt.watch(kernel);
    }
    return rt;
  }

  /**
   * Queues one cell; answers at once with the msg_id its execute_request will carry. A kernel still starting
   * is waited for by the queue; one that cannot start is a 503 saying why.
   */
  execute(uuid: string, cellId: string): KernelMessageRef {
    const nb = this.notebooks.get(uuid);
    nb.model.getCell(cellId);
    this.nbKernels.reachable(nb);
    const rt = this.runtime(nb);
    const msgId = rt.queue.enqueue(cellId);
    this.metrics.executionQueued();
    if (!this.nbKernels.usable(nb))
      void this.nbKernels.ready(nb).then(
        () => rt.queue.pump(),
        (err: Error) => rt.queue.abortWaiting(unavailableOutput(err.message)),
      );
    return { message_id: msgId };
  }

  /** Queues the code cells in order: all, or those above/below a position (0 means no filter, as in the original d1). */
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
    const kernel = await this.kernelOf(nb);
    rt.queue.abortWaiting();
    rt.queue.dropInput();
    // Announced before the signal goes out, so it precedes the KeyboardInterrupt output for every client.
    this.events.emit(nb.uuid, { kernel_interrupted: { interrupted: true } });
    await kernel.interrupt();
  }

  /**
   * Restarts the kernel (same id): queue emptied, cells idle, outputs cleared on request, then maybe run all.
   * A kernel still starting is restarted once it answers; one that is gone (a failed start, shut down by hand)
   * is replaced by a fresh one.
   */
  async restart(uuid: string, opts: RestartOptions = {}): Promise<KernelMessageRef[]> {
    const nb = this.notebooks.get(uuid);
    const rt = this.runtime(nb);
    await this.nbKernels.settled(nb);
    rt.queue.abortWaiting();
    const kernel = this.nbKernels.usable(nb);
    // Requests that come meanwhile wait until the new kernel is where the notebook says.
    if (kernel) await this.nbKernels.during(nb, () => this.restartKernel(nb, rt, kernel, opts));
    else await this.replaceKernel(nb, rt, opts);
    const runs = opts.runAll ? this.executeAll(uuid) : [];
    rt.finished(); // the old variables are gone: clients learn it (after the run when cells were queued)
    return runs;
  }

  private async restartKernel(
    nb: OpenNotebook,
    rt: NotebookRuntime,
    kernel: KernelHandle,
    opts: RestartOptions,
  ): Promise<KernelHandle> {
    rt.restarting = true;
    try {
      await kernel.restart(KERNEL_START_TIMEOUT_MS);
    } finally {
      rt.restarting = false;
    }
    rt.queue.failRunning(null);
    rt.kernelRestarted(kernel);
    this.announceRestart(nb, opts);
    // The new kernel starts where the notebook says, before any cell runs in it.
    await this.requests.chdirOn(kernel, nb, rt, nb.workingDirectory).catch(() => undefined);
    return kernel;
  }

  private async replaceKernel(nb: OpenNotebook, rt: NotebookRuntime, opts: RestartOptions): Promise<void> {
    rt.queue.failRunning(null);
    await this.nbKernels.replace(nb);
    const kernel = this.nbKernels.reachable(nb, this.nbKernels.usable(nb), 'The kernel did not start');
    this.announceRestart(nb, opts);
    await this.requests.chdirOn(kernel, nb, rt, nb.workingDirectory).catch(() => undefined);
  }

  private announceRestart(nb: OpenNotebook, opts: RestartOptions): void {
    nb.model.setAllIdle();
    if (opts.clear || opts.runAll) nb.model.clearAll();
    this.events.emit(nb.uuid, {
      kernel_restarted: { run_all_cells: opts.runAll === true, cells: nb.model.cellsJson() },
    });
  }

  /** Runs code that belongs to no cell; results go out only as `scratch_update`. */
  async scratch(uuid: string, code: string): Promise<KernelMessageRef> {
    const nb = this.notebooks.get(uuid);
    const kernel = await this.kernelOf(nb);
    const send = (m: NotebookMessages['scratch_update']): void =>
      void this.events.emit(nb.uuid, { scratch_update: m });
    const execution = kernel.execute(
      code,
      { storeHistory: false, allowStdin: false, stopOnError: false },
      (msg) => this.scratchMessage(execution.msgId, msg, send),
    );
    execution.done.then(
      () => this.runtime(nb).finished(),
      (err: unknown) => {
        if (!(err instanceof RequestLost)) return;
        // Its idle status went with a lost connection: say so, and end it for clients.
        send({ message_id: execution.msgId, output: lostConnectionOutput() });
        send({ message_id: execution.msgId, execution_state: 'idle' });
      },
    );
    return { message_id: execution.msgId };
  }

  /** Answers a pending input(); 409 when the kernel is not waiting for input. */
  input(uuid: string, value: string): void {
    const rt = this.runtime(this.notebooks.get(uuid));
    if (!rt.queue.answerInput(value)) throw conflict('The kernel is not waiting for input');
  }

  /** The input() the notebook's kernel waits for, as clients see it, or null. */
  pendingInput(uuid: string): InputRequest | null {
    return this.runtime(this.notebooks.get(uuid)).queue.shownInput;
  }

  /** The notebook's kernel connection now (also while it restarts), or null. */
  currentKernel(nb: OpenNotebook): KernelHandle | null {
    return this.nbKernels.current(nb);
  }

  /** Whether the notebook's kernel can take requests within `ms` (waiting while it starts). */
  kernelStartedWithin(nb: OpenNotebook, ms: number): Promise<boolean> {
    return this.nbKernels.startedWithin(nb, ms);
  }

  /** The notebook's kernel once it can take requests (waits while it starts); 503 saying why when it cannot. */
  kernelOf(nb: OpenNotebook): Promise<KernelHandle> {
    return this.nbKernels.ready(nb);
  }

  private scratchMessage(
    msgId: string,
    msg: RelayMessage,
    send: (m: NotebookMessages['scratch_update']) => void,
  ): void {
    const type = msg.header.msg_type;
    if (type === 'status') send({ message_id: msgId, execution_state: msg.content.execution_state });
    else if (['stream', 'display_data', 'execute_result', 'error'].includes(type)) {
      const { transient: _t, ...content } = msg.content as Record<string, unknown>;
      send({ message_id: msgId, output: { output_type: type, ...content } });
    }
  }
}
