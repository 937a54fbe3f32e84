import { type ExecuteReply, type KernelHandle, type RelayMessage, RequestLost } from '@d1/kernel-relay';
import { NotebookModel, type CodeCellJson } from '@d1/notebook';
import { ExecutionQueue, deadKernelOutput, lostConnectionOutput } from './execution-queue';

/** A kernel at the adapter boundary: records requests; the test plays the kernel's messages. */
class FakeKernel {
  readonly runs: Array<{
    msgId: string;
    code: string;
    feed: (m: RelayMessage) => void;
    finish: (r: ExecuteReply) => void;
    /** The connection lost this request's reply or idle (what a reconciliation finds). */
    lose: (reply: ExecuteReply | null) => void;
  }> = [];
  readonly inputs: string[] = [];

  execute(code: string, opts: { msgId?: string }, onMessage: (m: RelayMessage) => void) {
    let finish!: (r: ExecuteReply) => void;
    let fail!: (err: Error) => void;
    const done = new Promise<ExecuteReply>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    const msgId = opts.msgId!;
    const lose = (reply: ExecuteReply | null) => fail(new RequestLost(msgId, reply));
    this.runs.push({ msgId, code, feed: onMessage, finish, lose });
    return { msgId, done };
  }

  sendInput(value: string): void {
    this.inputs.push(value);
  }
}

const msg = (type: string, content: Record<string, unknown>): RelayMessage => ({
  channel: type === 'input_request' ? 'stdin' : 'iopub',
  header: { msg_id: `${type}-${Math.random()}`, msg_type: type },
  parent_header: {},
  metadata: {},
  content,
});

function setup(cells: string[]) {
  const model = NotebookModel.empty();
  const ids = cells.map((source) => model.addCell({ source } as never).id as string);
  const kernel = new FakeKernel();
  const log: string[] = [];
  const label = (id: string) => `c${ids.indexOf(id)}`;
  const queue = new ExecutionQueue({
    model,
    kernel: () => kernel as unknown as KernelHandle,
    emit: (m) => {
      const [type, body] = Object.entries(m)[0] as [string, Record<string, unknown>];
      const cell = typeof body.cell_id === 'string' ? ` ${label(body.cell_id)}` : '';
      log.push(`${type}${cell}${body.status ? ` ${String(body.status)}` : ''}`);
    },
    cellChanged: (id) =>
      log.push(
        `update ${label(id)} ${(model.getCell(id).metadata.jupyter_d1 as { execution_state: string }).execution_state}`,
      ),
    sent: () => undefined,
    finished: () => undefined,
  });
  return { model, ids, kernel, log, queue };
}

/** A code cell's JSON (the cells here are all code). */
const code = (model: NotebookModel, id: string) => model.getCell(id) as CodeCellJson;

const flush = () => new Promise((resolve) => setImmediate(resolve));
const ok = (count: number): ExecuteReply => ({ status: 'ok', execution_count: count });

describe('ExecutionQueue', () => {
  it('runs one cell at a time and announces the reply only once the cell is done', async () => {
    const { ids, kernel, log, queue, model } = setup(['print(1)', 'print(2)']);
    queue.enqueue(ids[0]);
    queue.enqueue(ids[1]);
    expect(kernel.runs.map((r) => r.code)).toEqual(['print(1)']);
    const run = kernel.runs[0];
    run.feed(msg('status', { execution_state: 'busy' }));
    run.feed(msg('execute_input', { code: 'print(1)', execution_count: 1 }));
    run.feed(msg('execute_reply', { status: 'ok', execution_count: 1 })); // overtakes the output
    run.feed(msg('stream', { name: 'stdout', text: '1\n' }));
    run.finish(ok(1));
    await flush();
    expect(log).toEqual([
      'update c0 pending',
      'cell_execution_request c0',
      'update c1 pending',
      'cell_execution_request c1',
      'update c0 busy',
      'cell_execution_input',
      'update c0 busy',
      'cell_execution_reply c0 ok',
      'update c0 idle',
    ]);
    expect(code(model, ids[0]).execution_count).toBe(1);
    expect(kernel.runs.map((r) => r.code)).toEqual(['print(1)', 'print(2)']);
  });

  it('an error aborts the waiting cells after the failed one is idle', async () => {
    const { ids, kernel, log, queue } = setup(['1/0', 'a', 'b']);
    ids.forEach((id) => queue.enqueue(id));
    log.length = 0;
    kernel.runs[0].finish({ status: 'error', execution_count: 1 });
    await flush();
    expect(log).toEqual([
      'cell_execution_reply c0 error',
      'update c0 idle',
      'cell_execution_reply c1 aborted',
      'update c1 idle',
      'cell_execution_reply c2 aborted',
      'update c2 idle',
    ]);
    expect(kernel.runs).toHaveLength(1);
    expect(queue.busy).toBe(false);
  });

  it('holds an input_request that overtook execute_input, and echoes the answer', () => {
    const { ids, kernel, log, queue, model } = setup(['input("? ")']);
    queue.enqueue(ids[0]);
    const run = kernel.runs[0];
    run.feed(msg('input_request', { prompt: '? ', password: false }));
    expect(queue.pendingInput).toBeNull();
    run.feed(msg('execute_input', { code: 'input("? ")', execution_count: 1 }));
    expect(log.slice(-2)).toEqual(['cell_execution_input', 'input_request c0']);
    expect(queue.answerInput('yes')).toBe(true);
    expect(kernel.inputs).toEqual(['yes']);
    expect(code(model, ids[0]).outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: '? yes\n' }]);
    expect(queue.answerInput('again')).toBe(false);
  });

  it('a dead kernel ends the running cell with one error reply and aborts the rest with errors', () => {
    const { ids, log, queue, model } = setup(['sleep', 'next']);
    ids.forEach((id) => queue.enqueue(id));
    log.length = 0;
    queue.failRunning(deadKernelOutput());
    queue.abortWaiting(deadKernelOutput());
    expect(log).toEqual([
      'cell_execution_reply c0 error',
      'update c0 idle',
      'cell_execution_reply c1 aborted',
      'update c1 idle',
    ]);
    for (const id of ids) expect(code(model, id).outputs).toEqual([deadKernelOutput()]);
  });

  it('a run whose reply and idle were lost ends with its outputs and a note; the cells behind it still run', async () => {
    const { ids, kernel, log, queue, model } = setup(['print(1)', 'print(2)']);
    ids.forEach((id) => queue.enqueue(id));
    const run = kernel.runs[0];
    run.feed(msg('status', { execution_state: 'busy' }));
    run.feed(msg('execute_input', { code: 'print(1)', execution_count: 3 }));
    run.feed(msg('stream', { name: 'stdout', text: '1\n' }));
    log.length = 0;
    run.lose(null);
    await flush();
    expect(log).toEqual(['cell_execution_reply c0 error', 'update c0 idle']);
    expect(code(model, ids[0]).outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: '1\n' },
      lostConnectionOutput(),
    ]);
    expect(code(model, ids[0]).execution_count).toBe(3);
    expect(kernel.runs.map((r) => r.code)).toEqual(['print(1)', 'print(2)']);
    expect(queue.current).toBe(ids[1]);
  });

  it('a lost run keeps the reply that did arrive: an error there aborts the rest, as the kernel would', async () => {
    const { ids, kernel, log, queue } = setup(['1/0', 'a']);
    ids.forEach((id) => queue.enqueue(id));
    log.length = 0;
    kernel.runs[0].lose({ status: 'error', execution_count: 1 });
    await flush();
    expect(log).toEqual([
      'cell_execution_reply c0 error',
      'update c0 idle',
      'cell_execution_reply c1 aborted',
      'update c1 idle',
    ]);
    expect(kernel.runs).toHaveLength(1);
  });

  it('a run that never reached the kernel ends with only the note; the reply says ok when the kernel said so', async () => {
    const { ids, kernel, log, queue, model } = setup(['x = 1']);
    queue.enqueue(ids[0]);
    log.length = 0;
    kernel.runs[0].lose({ status: 'ok', execution_count: 2 });
    await flush();
    expect(log).toEqual(['cell_execution_reply c0 ok', 'update c0 idle']);
    expect(code(model, ids[0]).outputs).toEqual([lostConnectionOutput()]);
    expect(queue.busy).toBe(false);
  });

  it('cancel removes only a waiting cell', () => {
    const { ids, queue } = setup(['a', 'b']);
    ids.forEach((id) => queue.enqueue(id));
    expect(queue.cancel(ids[0])).toBe(false); // running
    expect(queue.cancel(ids[1])).toBe(true);
    expect(queue.waiting).toEqual([]);
  });
});
