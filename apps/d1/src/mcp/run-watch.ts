import { Injectable } from '@nestjs/common';
import type { Output } from '@d1/notebook';
import type { Subscription } from 'rxjs';
import type { NotebookMessage } from '../events/messages';
import { NotebookEvents } from '../events/notebook-events';
import { ExecutionService } from '../execution/execution.service';
import { NotebooksService } from '../notebooks/notebooks.service';
import type { OpenNotebook } from '../notebooks/open-notebook';

/** How often a waiting tool tells its client that it is still waiting. */
export const PROGRESS_INTERVAL_MS = 1000;

/** One execution to wait for: the cell and the msg_id d1 answered the execute request with. */
export interface Run {
  cellId: string;
  msgId: string;
}

/** What to wait for: the replies of executions (run_cell, run_all), or a cell reaching idle. */
export type WaitTarget = { kind: 'runs'; runs: Run[] } | { kind: 'idle'; cellId: string };

/** An input() prompt a watched cell waits on. */
export interface InputWait {
  cell_id: string;
  prompt: string;
  password: boolean;
}

/** How a wait ended. */
export type Ending = 'finished' | 'input' | 'timeout' | 'cancelled' | 'closed';

/** How a wait for cells ended; `statuses` has each finished run's reply status, by msg_id. */
export interface WaitOutcome {
  ended: Ending;
  statuses: Map<string, string>;
  input: InputWait | null;
}

/** Options of the waits. */
export interface WaitOptions {
  timeoutMs: number;
  signal: AbortSignal;
  /** Called at the start and every PROGRESS_INTERVAL_MS while the wait lasts. */
  onProgress(): void;
}

/** What a wait does with the notebook's messages: read one, and decide after a burst. */
interface Watcher {
  read(message: NotebookMessage): void;
  /** Returns how the wait ends, or null to go on. */
  check(): Ending | null;
}

/**
 * Waits on a notebook's own event stream (the one its websocket clients get) for executions to finish,
 * for an input() prompt, for a timeout or for the caller to give up. Cells deleted while they wait count
 * as finished (`aborted`): the queue skips them without a reply.
 */
@Injectable()
export class RunWatch {
  constructor(
    private readonly events: NotebookEvents,
    private readonly notebooks: NotebooksService,
    private readonly execution: ExecutionService,
  ) {}

  /** Resolves when the target is reached or the wait ends otherwise; never rejects. */
  async cells(nb: OpenNotebook, target: WaitTarget, opts: WaitOptions): Promise<WaitOutcome> {
    const outcome: WaitOutcome = { ended: 'finished', statuses: new Map(), input: null };
    const cells = new Set(target.kind === 'runs' ? target.runs.map((r) => r.cellId) : [target.cellId]);
    outcome.ended = await this.watch(nb, opts, {
      read: (message) => {
        if (!message.cell_execution_reply || target.kind !== 'runs') return;
        const reply = message.cell_execution_reply;
        const run = target.runs.find((r) => r.msgId === reply.parent_id);
        if (run) outcome.statuses.set(run.msgId, reply.status);
      },
      check: () => {
        if (this.reached(nb, target, outcome)) return 'finished';
        const pending = this.execution.pendingInput(nb.uuid);
        if (!pending || !cells.has(pending.cell_id)) return null;
        outcome.input = { cell_id: pending.cell_id, prompt: pending.prompt, password: pending.password };
        return 'input';
      },
    });
    return outcome;
  }

  /** Collects the outputs of a scratch execution into `outputs` until its kernel reports idle. */
  scratch(nb: OpenNotebook, msgId: string, outputs: Output[], opts: WaitOptions): Promise<Ending> {
    let idle = false;
    return this.watch(nb, opts, {
      read: (message) => {
        const update = message.scratch_update;
        if (!update || update.message_id !== msgId) return;
        if (update.output) outputs.push(update.output as Output);
        if (update.execution_state === 'idle') idle = true;
      },
      check: () => (idle ? 'finished' : null),
    });
  }

  private reached(nb: OpenNotebook, target: WaitTarget, outcome: WaitOutcome): boolean {
    const model = nb.model;
    if (target.kind === 'idle') {
      if (!model.hasCell(target.cellId)) return true;
      return (model.getCell(target.cellId).metadata.jupyter_d1?.execution_state ?? 'idle') === 'idle';
    }
    for (const run of target.runs) {
      if (!outcome.statuses.has(run.msgId) && !model.hasCell(run.cellId))
        outcome.statuses.set(run.msgId, 'aborted');
    }
    return outcome.statuses.size === target.runs.length;
  }

  private watch(nb: OpenNotebook, opts: WaitOptions, watcher: Watcher): Promise<Ending> {
    return new Promise((resolve) => {
      const subs: Subscription[] = [];
      let settled = false;
      let checking = false;
      const end = (ending: Ending): void => {
        if (settled) return;
        settled = true;
        for (const s of subs) s.unsubscribe();
        clearTimeout(timer);
        clearInterval(ticker);
        opts.signal.removeEventListener('abort', onAbort);
        resolve(ending);
      };
      // A reply goes out just before its cell settles (idle, execution count): look once that is done, and
      // once per burst of messages.
      const check = (): void => {
        if (checking) return;
        checking = true;
        setImmediate(() => {
          checking = false;
          if (settled) return;
          const ending = nb.closed ? 'closed' : watcher.check();
          if (ending) end(ending);
        });
      };
      const onAbort = (): void => end('cancelled');
      // The last messages may still be waiting for their check: look before calling it a timeout.
      const timer = setTimeout(
        () => end(nb.closed ? 'closed' : (watcher.check() ?? 'timeout')),
        opts.timeoutMs,
      );
      const ticker = setInterval(() => opts.onProgress(), PROGRESS_INTERVAL_MS);
      opts.signal.addEventListener('abort', onAbort);
      subs.push(
        this.events.notebook$.subscribe((e) => {
          if (e.notebookUuid !== nb.uuid || e.onlyClient) return;
          watcher.read(e.data);
          check();
        }),
        this.notebooks.closed$.subscribe((closed) => closed.nb.uuid === nb.uuid && end('closed')),
      );
      if (opts.signal.aborted) return end('cancelled');
      opts.onProgress();
      check();
    });
  }
}
