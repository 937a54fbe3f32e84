import { Logger } from '@nestjs/common';
import type { KernelHandle, KernelState, RelayMessage } from '@d1/kernel-relay';
import type { NotebookEvents } from '../events/notebook-events';
import { ExecutionQueue, deadKernelOutput } from './execution-queue';
import { parseLastLine, runHidden } from './hidden-execution';
import type { KernelVariable } from '../events/messages';
import { parseEnv, pythonIntrospection, stateCode } from './kernel-snippets';
import type { OpenNotebook } from '../notebooks/open-notebook';

/** What the runtime needs of NotebookKernels (the notebook's kernel lifecycle). */
export interface RuntimeKernels {
  /** The kernel when it can take requests right now, else null. */
  usable(nb: OpenNotebook): KernelHandle | null;
  /** The current kernel connection (also while it restarts), or null. */
  current(nb: OpenNotebook): KernelHandle | null;
  /** Gives the notebook a fresh kernel. */
  replace(nb: OpenNotebook): Promise<void>;
  /** Waits (and makes requests wait) for a kernel the kernel service restarts by itself. */
  recover(nb: OpenNotebook, handle: KernelHandle): Promise<KernelHandle>;
  announce(nb: OpenNotebook, state: 'dead' | 'restarting' | 'idle'): void;
}

/** How the runtime reaches the rest of d1. */
export interface RuntimeDeps {
  events: NotebookEvents;
  kernels: RuntimeKernels;
  markChanged(nb: OpenNotebook): void;
  workingDirectoryChanged(nb: OpenNotebook, cwd: string): void;
  /** The number of cells waiting in the queue, or whether any is queued or running, changed. */
  activity?(nb: OpenNotebook, waiting: number, busy: boolean): void;
}

const VARS_DELAY_MS = 30;

/**
 * Everything that runs in one open notebook: its execution queue, the watch over its kernel (death,
 * restarts, a lost connection), the raw message feed, and the variables refreshed after executions.
 */
export class NotebookRuntime {
  private readonly logger = new Logger('Execution');
  readonly queue: ExecutionQueue;
  vars: KernelVariable[] = [];
  /** Set while d1 itself restarts the kernel, so the restart is not taken for a death. */
  restarting = false;
  private watched: KernelHandle | null = null;
  private readonly cellOfMsg = new Map<string, string>();
  private varsTimer: NodeJS.Timeout | null = null;
  private loaded = new WeakSet<KernelHandle>();

  constructor(
    readonly nb: OpenNotebook,
    private readonly deps: RuntimeDeps,
  ) {
    this.queue = new ExecutionQueue({
      model: nb.model,
      kernel: () => this.usableKernel(),
      emit: (message) => deps.events.emit(nb.uuid, message),
      cellChanged: (cellId, coalesce) => this.cellChanged(cellId, coalesce),
      sent: (msgId, cellId) => this.track(msgId, cellId),
      finished: () => this.finished(),
      activity: (waiting, busy) => deps.activity?.(nb, waiting, busy),
    });
  }

  /** Remembers which cell a request belongs to, for the raw stream. */
  private track(msgId: string, cellId: string): void {
    this.cellOfMsg.set(msgId, cellId);
    if (this.cellOfMsg.size > 10_000) this.cellOfMsg.delete(this.cellOfMsg.keys().next().value as string);
  }

  /**
   * Starts watching a (new) kernel handle: status changes, raw messages, reconnects. Null: the kernel was lost
   * and a new one is on its way.
   */
  watch(handle: KernelHandle | null): void {
    if (this.watched === handle) return;
    if (this.watched) {
      // The old kernel is gone: whatever ran or waited there ends with an error.
      this.queue.failRunning(deadKernelOutput());
      this.queue.abortWaiting(deadKernelOutput());
    }
    this.watched = handle;
    if (!handle) return;
    handle.on('status', (state) => this.onStatus(handle, state));
    handle.on('message', (msg) => this.onRaw(msg));
    handle.on('reconnected', () => this.reconcile(handle));
    this.queue.pump();
  }

  /** Asks for a variables refresh shortly, unless cells are still waiting or d1 is restarting the kernel. */
  finished(): void {
    this.deps.markChanged(this.nb);
    // A restart (d1's or the kernel service's) asks once more when it is over; refreshing during it would
    // race the new kernel's set-up.
    if (this.restarting || !this.usableKernel()) return;
    if (this.varsTimer) clearTimeout(this.varsTimer);
    this.varsTimer = setTimeout(() => void this.refreshState(), VARS_DELAY_MS);
  }

  /** Loads the introspection helper into a Python kernel once per kernel process. */
  async prepare(kernel: KernelHandle): Promise<boolean> {
    if (this.language() !== 'python') return true;
    if (this.loaded.has(kernel)) return true;
    await runHidden(kernel, pythonIntrospection());
    this.loaded.add(kernel);
    return true;
  }

  /** The notebook's kernel when it can take requests now (not starting, restarting or gone). */
  usableKernel(): KernelHandle | null {
    // Not services' status: after an auto-restart its idle for the new kernel can be dropped as a message of
    // an old session, leaving it "restarting" for good. NotebookKernels tracks recovery instead.
    return this.deps.kernels.usable(this.nb);
  }

  /** The notebook's kernel language, lower-case. */
  language(): string {
    return (this.nb.kernelspec.language ?? '').toLowerCase();
  }

  /** Forgets per-kernel state after a restart (the helper must be loaded again). */
  kernelRestarted(kernel: KernelHandle): void {
    this.loaded.delete(kernel);
  }

  private cellChanged(cellId: string, coalesce: boolean): void {
    const { events } = this.deps;
    const model = this.nb.model;
    if (!coalesce) {
      // The update carries the cell's whole current state: output of it still held back need not go first.
      if (model.hasCell(cellId))
        events.emit(this.nb.uuid, { cell_update: [model.getCell(cellId)] }, { supersedes: cellId });
      return;
    }
    events.emitCoalesced(this.nb.uuid, cellId, () =>
      model.hasCell(cellId) ? { cell_update: [model.getCell(cellId)] } : null,
    );
  }

  private onStatus(handle: KernelHandle, state: KernelState): void {
    if (handle !== this.deps.kernels.current(this.nb)) return;
    const { kernels } = this.deps;
    if (state === 'restarting' && !this.restarting) {
      this.logger.warn(`kernel of notebook ${this.nb.uuid} died; the kernel service is restarting it`);
      this.loaded.delete(handle);
      kernels.announce(this.nb, 'dead');
      kernels.announce(this.nb, 'restarting');
      // Requests wait from now on, so nothing (a variables refresh) goes to the kernel while it restarts.
      const recovered = kernels.recover(this.nb, handle);
      this.queue.failRunning(deadKernelOutput());
      this.queue.abortWaiting(deadKernelOutput());
      void recovered.then(
        () => {
          kernels.announce(this.nb, 'idle');
          this.queue.pump();
          this.finished(); // the old variables are gone with the old kernel
        },
        () => {
          if (!this.nb.closed && kernels.current(this.nb) === handle) void kernels.replace(this.nb);
        },
      );
    } else if (state === 'dead' && !this.nb.closed) {
      this.loaded.delete(handle);
      // The replacement ends what ran or waited on this kernel (see watch(null)).
      void kernels.replace(this.nb);
      this.queue.failRunning(deadKernelOutput());
      this.queue.abortWaiting(deadKernelOutput());
    }
  }

  /**
   * The connection to the kernel came back after an outage: requests whose reply or idle status went with it
   * are ended (the queue gives a running cell a note and moves on), so nothing waits for ever.
   */
  private reconcile(handle: KernelHandle): void {
    this.logger.warn(`connection to the kernel of notebook ${this.nb.uuid} was lost and is back`);
    void handle.reconcile().then(
      (lost) => {
        if (lost > 0) this.logger.warn(`${lost} request(s) of notebook ${this.nb.uuid} lost their replies`);
      },
      (err: Error) => this.logger.debug(`reconciling notebook ${this.nb.uuid}: ${err.message}`),
    );
  }

  private onRaw(msg: RelayMessage): void {
    if (!this.deps.events.streamWanted(this.nb.uuid)) return;
    const parent = msg.parent_header?.msg_id;
    const cellId = (parent && this.cellOfMsg.get(parent)) ?? null;
    const metadata = { ...msg.metadata, jupyter_d1: { cell_uuid: cellId } };
    this.deps.events.emitStream(this.nb.uuid, { ...msg, metadata, cell_uuid: cellId });
  }

  private async refreshState(): Promise<void> {
    this.varsTimer = null;
    const kernel = this.usableKernel();
    const code = stateCode(this.language());
    if (!kernel || this.queue.busy || this.nb.closed) return;
    if (!code) {
      this.deps.events.emit(this.nb.uuid, { vars: [] });
      return;
    }
    try {
      await this.prepare(kernel);
      const out = await runHidden(kernel, code, 10_000);
      const parsed =
        this.language() === 'python'
          ? parseLastLine<{ cwd: string | null; vars: KernelVariable[] }>(out)
          : parseEnv(out);
      this.vars = parsed.vars ?? [];
      if (parsed.cwd && parsed.cwd !== this.nb.workingDirectory)
        this.deps.workingDirectoryChanged(this.nb, parsed.cwd);
      this.deps.events.emit(this.nb.uuid, { vars: this.vars });
    } catch (err) {
      this.logger.debug(`variables of notebook ${this.nb.uuid} not refreshed: ${(err as Error).message}`);
    }
  }
}
