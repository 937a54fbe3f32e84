import { type ExecuteReply, type KernelHandle, type RelayMessage, RequestLost } from '@d1/kernel-relay';
import type { NotebookModel, Output } from '@d1/notebook';
import { randomUUID } from 'node:crypto';
import type { InputRequest, NotebookMessage } from '../events/messages';

/** What a notebook's execution queue needs from its surroundings. */
export interface QueueHost {
  readonly model: NotebookModel;
  kernel(): KernelHandle | null;
  /** Broadcasts a message to the notebook's clients (after any held-back output). */
  emit(message: NotebookMessage): void;
  /** Broadcasts a cell's current state; output bursts may be merged. */
  cellChanged(cellId: string, coalesce: boolean): void;
  /** A cell's execute_request is about to go to the kernel with this msg_id. */
  sent(msgId: string, cellId: string): void;
  /** A cell finished (reached idle): save, refresh variables. */
  finished(cellId: string): void;
  /** How many cells wait (not yet sent to the kernel), or whether any is queued or running, changed. */
  activity?(waiting: number, busy: boolean): void;
}

/** An input() the kernel is waiting for, with the header its answer must carry. */
export interface PendingInput extends InputRequest {
  parentHeader: Record<string, unknown>;
}

interface Running {
  cellId: string;
  msgId: string;
  executionCount: number | null;
  /** execute_input arrived (iopub); an input_request (stdin) that overtook it waits in `heldInput`. */
  started: boolean;
  heldInput: RelayMessage | null;
}

const OUTPUT_TYPES = new Set([
  'stream',
  'display_data',
  'execute_result',
  'error',
  'clear_output',
  'update_display_data',
]);

/** The error output a cell gets when its kernel died under it. */
export function deadKernelOutput(): Output {
  return {
    output_type: 'error',
    ename: 'DeadKernelError',
    evalue: 'The kernel died while this cell was queued or running; it has been restarted.',
    traceback: ['DeadKernelError: the kernel died; it has been restarted.'],
  } as Output;
}

/** The note a cell gets when d1 lost its connection to the kernel while the cell ran. */
export function lostConnectionOutput(): Output {
  return {
    output_type: 'stream',
    name: 'stderr',
    text: '[d1: the connection to the kernel was lost while this cell ran; output may be missing]\n',
  } as Output;
}

/**
 * The server-side execution queue of one notebook: cells wait as `pending` until they reach the kernel,
 * run one at a time, and an error (or an interrupt) aborts the cells still waiting, as ipykernel does.
 */
export class ExecutionQueue {
  private queue: Array<{ cellId: string; msgId: string }> = [];
  private running: Running | null = null;
  private input: PendingInput | null = null;
  private reported = { waiting: 0, busy: false };

  constructor(private readonly host: QueueHost) {}

  /** The cell running now, if any. */
  get current(): string | null {
    return this.running?.cellId ?? null;
  }

  /** Cells waiting, in order. */
  get waiting(): string[] {
    return this.queue.map((q) => q.cellId);
  }

  /** The input() prompt the kernel is waiting on, if any. */
  get pendingInput(): PendingInput | null {
    return this.input;
  }

  /** The input() prompt the kernel is waiting on as clients see it (without the header), if any. */
  get shownInput(): InputRequest | null {
    if (!this.input) return null;
    const { parentHeader: _omit, ...shown } = this.input;
    return shown;
  }

  /** Whether any cell is queued or running. */
  get busy(): boolean {
    return this.running !== null || this.queue.length > 0;
  }

  /** Queues a cell: outputs cleared, state pending; returns the msg_id its execute_request will carry. */
  enqueue(cellId: string): string {
    const msgId = randomUUID();
    const model = this.host.model;
    model.startExecution(cellId);
    model.setExecutionState(cellId, 'pending');
    this.queue.push({ cellId, msgId });
    // The request goes to the kernel before clients hear of it: its replies cannot be handled before this
    // returns, so clients still see pending first, and the kernel starts a few socket writes earlier.
    this.pump();
    this.report();
    this.host.cellChanged(cellId, false);
    this.host.emit({ cell_execution_request: { cell_id: cellId, message_id: msgId } });
    return msgId;
  }

  /** Removes a queued (not yet running) cell; false when it is not waiting. */
  cancel(cellId: string): boolean {
    const i = this.queue.findIndex((q) => q.cellId === cellId);
    if (i < 0) return false;
    const [entry] = this.queue.splice(i, 1);
    this.report();
    this.abort(entry, null);
    return true;
  }

  /** Aborts every waiting cell (their replies say `aborted`), optionally giving each an error output. */
  abortWaiting(output: Output | null = null): void {
    const waiting = this.queue;
    this.queue = [];
    this.report();
    for (const entry of waiting) this.abort(entry, output);
  }

  /**
   * The running cell's kernel went away (death or restart): end it, with `output` when it died. The kernel
   * will never reply, so d1 does (`error` after a death, `aborted` after a restart): every
   * cell_execution_request gets exactly one cell_execution_reply.
   */
  failRunning(output: Output | null): void {
    const running = this.running;
    if (!running) return;
    this.running = null;
    this.input = null;
    this.report();
    if (!this.host.model.hasCell(running.cellId)) return;
    this.reply(running.cellId, running.msgId, null, output ? 'error' : 'aborted');
    if (output) this.host.model.appendOutput(running.cellId, output);
    this.settle(running.cellId);
  }

  /**
   * Answers the pending input(); false when none is pending. The prompt and answer join the cell's stdout,
   * as a terminal (or the classic notebook) shows them; a password shows as dots.
   */
  answerInput(value: string): boolean {
    const pending = this.input;
    const kernel = this.host.kernel();
    if (!pending || !kernel) return false;
    this.input = null;
    kernel.sendInput(value, pending.parentHeader);
    if (this.host.model.hasCell(pending.cell_id)) {
      const shown = pending.password ? '\u00b7'.repeat(8) : value;
      const echo = { output_type: 'stream', name: 'stdout', text: `${pending.prompt}${shown}\n` } as Output;
      for (const id of this.host.model.appendOutput(pending.cell_id, echo)) this.host.cellChanged(id, true);
    }
    return true;
  }

  /** Forgets a pending input() (after an interrupt the kernel no longer waits for it). */
  dropInput(): void {
    this.input = null;
  }

  /** Sends the next waiting cell to the kernel when nothing runs. */
  pump(): void {
    const kernel = this.host.kernel();
    if (this.running || this.queue.length === 0 || !kernel) return;
    const next = this.queue.shift()!;
    if (!this.host.model.hasCell(next.cellId)) {
      this.report();
      return this.pump();
    }
    const running: Running = {
      cellId: next.cellId,
      msgId: next.msgId,
      executionCount: null,
      started: false,
      heldInput: null,
    };
    this.running = running;
    this.report();
    const source = this.host.model.getCell(next.cellId).source as string;
    // Outputs were cleared when the cell was queued, but an earlier run of the same cell may have added some
    // since: a run starts from nothing (d1 clears again on the run's first busy), and clients are told.
    const cell = this.host.model.getCell(next.cellId) as { outputs?: unknown[]; execution_count?: unknown };
    const stale = (cell.outputs?.length ?? 0) > 0 || (cell.execution_count ?? null) !== null;
    this.host.model.startExecution(next.cellId);
    if (stale) this.host.cellChanged(next.cellId, false);
    this.host.sent(next.msgId, next.cellId);
    try {
      const execution = kernel.execute(source, { msgId: next.msgId }, (m) => this.onMessage(running, m));
      execution.done.then(
        (reply) => this.onDone(running, reply),
        (err: unknown) => {
          // A restart or death is ended by failRunning(); a lost reply or idle status ends here.
          if (err instanceof RequestLost) this.onLost(running, err.reply as ExecuteReply | null);
        },
      );
    } catch {
      this.running = null;
      this.report();
      // After the caller's own broadcasts (enqueue announces the cell after pumping).
      queueMicrotask(() => {
        this.abort(next, null);
        this.pump();
      });
    }
  }

  private onMessage(run: Running, msg: RelayMessage): void {
    if (this.running !== run) return;
    const type = msg.header.msg_type;
    const model = this.host.model;
    if (!model.hasCell(run.cellId)) return;
    if (type === 'status' && msg.content.execution_state === 'busy') {
      model.setExecutionState(run.cellId, 'busy');
      this.host.cellChanged(run.cellId, false);
    } else if (type === 'execute_input') {
      run.executionCount = (msg.content.execution_count as number | undefined) ?? null;
      run.started = true;
      this.host.emit({ cell_execution_input: { content: msg.content, parent_id: run.msgId } });
      if (run.heldInput) this.onInputRequest(run, run.heldInput);
    } else if (OUTPUT_TYPES.has(type)) {
      for (const id of model.applyMessage(run.cellId, msg)) this.host.cellChanged(id, true);
    } else if (type === 'input_request') {
      this.onInputRequest(run, msg);
    }
    // execute_reply travels on the shell channel and may overtake iopub messages; it is announced in
    // onDone, once the kernel's idle status guarantees every output of the cell has arrived.
  }

  private onInputRequest(run: Running, msg: RelayMessage): void {
    // stdin and iopub are separate channels: keep clients' order (input started, then the prompt).
    run.heldInput = run.started ? null : msg;
    if (!run.started) return;
    this.input = {
      cell_id: run.cellId,
      prompt: String(msg.content.prompt ?? ''),
      password: msg.content.password === true,
      message_id: msg.header.msg_id,
      parentHeader: msg.parent_header,
    };
    this.host.emit({ input_request: this.shownInput as InputRequest });
  }

  /** Both the reply and the idle status arrived: reply, page payloads, idle; a failure aborts the rest. */
  private onDone(run: Running, reply: ExecuteReply): void {
    if (this.running !== run) return;
    this.running = null;
    this.report();
    if (this.input?.cell_id === run.cellId) this.input = null;
    if (this.host.model.hasCell(run.cellId)) {
      this.reply(run.cellId, run.msgId, reply.execution_count ?? null, reply.status);
      if (reply.status === 'ok') this.pages(run, reply);
      this.host.model.setExecutionCount(run.cellId, run.executionCount);
      this.settle(run.cellId);
    }
    // Clients see the failed cell reach idle before the aborted replies, as the kernel would order them.
    if (reply.status !== 'ok') this.abortWaiting();
    this.pump();
  }

  /**
   * The kernel handled later requests, but this cell's reply or idle status was lost with the connection: it
   * ends with what arrived (outputs kept, the reply's status if it came) and a note that output may be
   * missing. Cells waiting behind it still run, unless the reply said the cell failed.
   */
  private onLost(run: Running, reply: ExecuteReply | null): void {
    if (this.running !== run) return;
    this.running = null;
    this.report();
    if (this.input?.cell_id === run.cellId) this.input = null;
    if (this.host.model.hasCell(run.cellId)) {
      const count = reply?.execution_count ?? run.executionCount;
      this.reply(run.cellId, run.msgId, count, reply?.status ?? 'error');
      this.host.model.appendOutput(run.cellId, lostConnectionOutput());
      this.host.model.setExecutionCount(run.cellId, run.executionCount);
      this.settle(run.cellId);
    }
    if (reply && reply.status !== 'ok') this.abortWaiting();
    this.pump();
  }

  private pages(run: Running, reply: ExecuteReply): void {
    for (const p of reply.payload ?? []) {
      if (p.source !== 'page') continue;
      const start = typeof p.start === 'number' ? p.start : null;
      this.host.emit({ payload_page: { data: p.data, start, message_id: run.msgId } });
    }
  }

  private settle(cellId: string): void {
    if (!this.host.model.hasCell(cellId)) return;
    // A cell queued again while it ran is not idle: it waits for its next run.
    const again = this.queue.some((q) => q.cellId === cellId);
    this.host.model.setExecutionState(cellId, again ? 'pending' : 'idle');
    this.host.cellChanged(cellId, false);
    this.host.finished(cellId);
  }

  private abort(entry: { cellId: string; msgId: string }, output: Output | null): void {
    if (!this.host.model.hasCell(entry.cellId)) return;
    this.reply(entry.cellId, entry.msgId, null, 'aborted');
    if (output) this.host.model.appendOutput(entry.cellId, output);
    this.settle(entry.cellId);
  }

  /** Tells the host when the number of waiting cells or whether anything is queued or running changed. */
  private report(): void {
    const now = { waiting: this.queue.length, busy: this.busy };
    if (now.waiting === this.reported.waiting && now.busy === this.reported.busy) return;
    this.reported = now;
    this.host.activity?.(now.waiting, now.busy);
  }

  private reply(cellId: string, msgId: string, count: number | null, status: ExecuteReply['status']): void {
    this.host.emit({
      cell_execution_reply: { cell_id: cellId, execution_count: count, status, parent_id: msgId },
    });
  }
}
