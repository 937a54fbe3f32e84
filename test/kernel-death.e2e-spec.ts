import { useD1 } from './support/d1';
import {
  Session,
  expectConsistent,
  kernelPid,
  openSession,
  outputsOf,
  sequence,
  untilAll,
} from './support/execution';
import { checkFeedSchemas } from './support/ws-schemas';

describe('kernel death: kill -9 of a kernel mid-execution', () => {
  checkFeedSchemas();
  const d1 = useD1();
  let s: Session;
  beforeAll(async () => {
    s = await openSession(d1, [
      'import time\nprint("started", flush=True)\ntime.sleep(120)',
      'print("queued")',
      'print("after", flush=True)\n1 + 1',
    ]);
  });
  d1.beforeClose(async () => {
    await s?.close();
  });

  it('ends running and queued cells with an error, announces dead/restarting/idle, keeps content, runs again', async () => {
    const uploaded = await d1.request('GET', `/notebooks/${s.uuid}`);
    await s.execute(0);
    await untilAll(s, (m) => sequence(s, m).includes('update c0 busy +out'), 'cell 0 to print');
    await s.execute(1);
    const pid = await kernelPid(d1, s.uuid);
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    await untilAll(
      s,
      (m) => sequence(s, m).includes('kernel_status idle'),
      'the kernel to come back',
      60_000,
    );
    console.log(`kill -9 recovery: ${(performance.now() - t0).toFixed(0)} ms (kill to kernel_status idle)`);
    await untilAll(s, (m) => m.some((x) => x.vars), 'vars from the new kernel');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'update c0 pending',
      'request c0',
      'update c0 busy',
      'input c0',
      'update c0 busy +out',
      'update c1 pending',
      'request c1',
      'kernel_status dead',
      'kernel_status restarting',
      'reply c0 error',
      'update c0 idle',
      'reply c1 aborted',
      'update c1 idle',
      'kernel_status idle',
      'vars',
    ]);
    const dead = {
      output_type: 'error',
      ename: 'DeadKernelError',
      evalue: expect.stringContaining('kernel died'),
      traceback: expect.any(Array),
    };
    expect(await outputsOf(s, 0)).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'started\n' },
      dead,
    ]);
    expect(await outputsOf(s, 1)).toEqual([dead]);
    expect(msgs.find((m) => m.kernel_status)!.kernel_status).toEqual({
      execution_state: 'dead',
      kernel_name: 'python3',
    });
    // Every cell is still there, as uploaded.
    const now = (await d1.request('GET', `/notebooks/${s.uuid}`)).json.notebook;
    expect(now.cells.map((c: { source: string }) => c.source)).toEqual(
      uploaded.json.notebook.cells.map((c: { source: string }) => c.source),
    );
    expect(now.metadata).toEqual(uploaded.json.notebook.metadata);
    // The next execution works in the new kernel, counting from 1.
    const before = s.clients[0].messages.length;
    await s.execute(2);
    await untilAll(s, (m) => sequence(s, m.slice(before)).includes('update c2 idle'), 'cell 2');
    const cell = (await d1.request('GET', `/notebooks/${s.uuid}/cells/${s.cellIds[2]}`)).json.cell;
    expect(cell.execution_count).toBe(1);
    expect(cell.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'after\n' },
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} },
    ]);
    expect(await kernelPid(d1, s.uuid)).not.toBe(pid);
  });
});
