import { EventEmitter } from 'node:events';
import { type ExecuteReply, type KernelHandle, type RelayMessage, RequestLost } from '@d1/kernel-relay';
import { NotebookModel, type CodeCellJson } from '@d1/notebook';
import { NotebookEvents } from '../events/notebook-events';
import { deadKernelOutput, lostConnectionOutput } from './execution-queue';
import { NotebookRuntime, type RuntimeKernels } from './notebook-runtime';
import type { OpenNotebook } from '../notebooks/open-notebook';

/** A kernel connection at the adapter boundary: records executions; the test plays the kernel. */
class FakeHandle extends EventEmitter {
  readonly id = 'kernel-1';
  isDisposed = false;
  readonly runs: Array<{
    code: string;
    silent: boolean;
    feed: (m: RelayMessage) => void;
    finish: (r: ExecuteReply) => void;
    lose: () => void;
    settled: boolean;
  }> = [];
  reconciles = 0;
  private answerInfo: (() => void) | null = null;

  execute(code: string, opts: { msgId?: string; silent?: boolean }, onMessage: (m: RelayMessage) => void) {
    const msgId = opts.msgId ?? `hidden-${this.runs.length}`;
    const run = {
      code,
      silent: opts.silent === true,
      feed: onMessage,
      settled: false,
    } as FakeHandle['runs'][0];
    const done = new Promise<ExecuteReply>((resolve, reject) => {
      run.finish = (r) => ((run.settled = true), resolve(r));
      run.lose = () => ((run.settled = true), reject(new RequestLost(msgId, null)));
    });
    this.runs.push(run);
    return { msgId, done };
  }

  /** Like KernelHandle.reconcile: once the test answers the kernel_info, every unsettled run is lost. */
  reconcile(): Promise<number> {
    this.reconciles++;
    return new Promise((resolve) => {
      this.answerInfo = () => {
        const open = this.runs.filter((r) => !r.settled);
        open.forEach((r) => r.lose());
        resolve(open.length);
      };
    });
  }

  answerKernelInfo(): void {
    this.answerInfo?.();
  }
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

function setup(cells: string[]) {
  const model = NotebookModel.empty();
  const ids = cells.map((source) => model.addCell({ source } as never).id as string);
  const handle = new FakeHandle();
  const kernel = handle as unknown as KernelHandle;
  const nb = {
    uuid: model.uuid,
    model,
    kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
    closed: false,
  } as unknown as OpenNotebook;
  let usable = true;
  const calls: string[] = [];
  let recovered!: () => void;
  const kernels: RuntimeKernels = {
    usable: () => (usable ? kernel : null),
    current: () => kernel,
    replace: async () => {
      calls.push('replace');
    },
    recover: () => {
      calls.push('recover');
      usable = false;
      return new Promise((resolve) => {
        recovered = () => {
          usable = true;
          resolve(kernel);
        };
      });
    },
    announce: (_nb, state) => calls.push(`announce ${state}`),
  };
  const events = new NotebookEvents();
  const sent: string[] = [];
  const label = (id: string) => `c${ids.indexOf(id)}`;
  events.notebook$.subscribe((e) => {
    const m = JSON.parse(e.message.plain.toString()) as Record<string, Record<string, unknown>>;
    const [type, body] = Object.entries(m)[0];
    if (type === 'cell_update') {
      const cell = (body as unknown as CodeCellJson[])[0];
      sent.push(
        `update ${label(cell.id as string)} ${(cell.metadata.jupyter_d1 as { execution_state: string }).execution_state}`,
      );
    } else if (type === 'cell_execution_reply')
      sent.push(`reply ${label(body.cell_id as string)} ${String(body.status)}`);
  });
  const rt = new NotebookRuntime(nb, {
    events,
    kernels,
    markChanged: () => undefined,
    workingDirectoryChanged: () => undefined,
  });
  rt.watch(kernel);
  const outputs = (i: number) => (model.getCell(ids[i]) as CodeCellJson).outputs;
  return { rt, handle, ids, calls, sent, outputs, recovered: () => recovered() };
}

describe('NotebookRuntime and its kernel connection', () => {
  it('reconciles after a reconnect: the cell whose idle was lost ends with its outputs and a note, the next one runs', async () => {
    const { rt, handle, ids, sent, outputs } = setup(['print(1)', 'print(2)']);
    rt.queue.enqueue(ids[0]);
    rt.queue.enqueue(ids[1]);
    const run = handle.runs[0];
    run.feed({
      channel: 'iopub',
      header: { msg_id: 'o', msg_type: 'stream' },
      parent_header: {},
      metadata: {},
      content: { name: 'stdout', text: '1\n' },
    });
    sent.length = 0;
    handle.emit('reconnected');
    handle.emit('reconnected'); // services may report a reconnect twice: one reconciliation each time is fine
    expect(handle.reconciles).toBe(2);
    expect(handle.runs.map((r) => r.code)).toEqual(['print(1)']); // nothing ends before the kernel answers
    handle.answerKernelInfo();
    await flush();
    expect(sent).toEqual(['reply c0 error', 'update c0 idle']);
    expect(outputs(0)).toEqual([
      { output_type: 'stream', name: 'stdout', text: '1\n' },
      lostConnectionOutput(),
    ]);
    expect(handle.runs.map((r) => r.code)).toEqual(['print(1)', 'print(2)']);
    expect(rt.queue.current).toBe(ids[1]);
  });

  it('a dead kernel: replaced, and what ran or waited there ends with an error', () => {
    const { rt, handle, ids, calls, outputs } = setup(['sleep', 'next']);
    rt.queue.enqueue(ids[0]);
    rt.queue.enqueue(ids[1]);
    handle.emit('status', 'dead');
    expect(calls).toEqual(['replace']);
    expect(outputs(0)).toEqual([deadKernelOutput()]);
    expect(outputs(1)).toEqual([deadKernelOutput()]);
    expect(rt.queue.busy).toBe(false);
  });

  it('a kernel the service restarts: requests wait (no variables refresh meanwhile), then it is idle again', async () => {
    jest.useFakeTimers();
    try {
      const { rt, handle, ids, calls, outputs, recovered } = setup(['sleep']);
      rt.queue.enqueue(ids[0]);
      handle.emit('status', 'restarting');
      expect(calls).toEqual(['announce dead', 'announce restarting', 'recover']);
      expect(outputs(0)).toEqual([deadKernelOutput()]);
      jest.advanceTimersByTime(1000);
      expect(handle.runs.map((r) => r.silent)).toEqual([false]); // only the user's cell reached the kernel
      recovered();
      await Promise.resolve();
      await Promise.resolve();
      expect(calls.at(-1)).toBe('announce idle');
    } finally {
      jest.useRealTimers();
    }
  });
});
