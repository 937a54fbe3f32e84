import {
  Session,
  expectConsistent,
  expectIds,
  oneRun,
  gate,
  sessionSuite,
  outputsOf,
  sequence,
  settled,
  untilAll,
} from './support/execution';
import { checkFeedSchemas } from './support/ws-schemas';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('execution: the queue as every client sees it', () => {
  checkFeedSchemas();
  const suite = sessionSuite();
  const session = suite.session;

  it('runs one cell: pending, request, busy, input, outputs, reply, idle, vars — ids line up', async () => {
    const s = await session(['print("hi")']);
    const id = await s.execute(0);
    await untilAll(s, settled(s), 'the cell to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual(['update c0 pending', 'request c0', ...oneRun('c0'), 'vars']);
    expectIds(s, msgs, [{ cell: 0, messageId: id }]);
    const input = msgs.find((m) => m.cell_execution_input)!.cell_execution_input;
    expect(input.content).toMatchObject({ code: 'print("hi")', execution_count: 1 });
    const reply = msgs.find((m) => m.cell_execution_reply)!.cell_execution_reply;
    expect(reply).toEqual({ cell_id: s.cellIds[0], execution_count: 1, status: 'ok', parent_id: id });
    expect(await outputsOf(s, 0)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'hi\n' }]);
  });

  it('runs three cells executed back to back in order', async () => {
    const g = gate(suite.d1);
    const s = await session([`${g.code}a = 1\nprint(a)`, 'b = a + 1\nprint(b)', 'print(a + b)']);
    const ids = await queueBehindGate(s, g, 3);
    await untilAll(s, settled(s), 'three cells to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      ...queuedBehind('c0', ['c1', 'c2']),
      ...oneRun('c0').slice(2),
      ...oneRun('c1'),
      ...oneRun('c2'),
      'vars',
    ]);
    expectIds(
      s,
      msgs,
      ids.map((messageId, cell) => ({ cell, messageId })),
    );
    expect(
      msgs.filter((m) => m.cell_execution_reply).map((m) => m.cell_execution_reply.execution_count),
    ).toEqual([1, 2, 3]);
    expect((await outputsOf(s, 2))[0].text).toBe('3\n');
  });

  it('a cell queued twice ends with the outputs of its second run only', async () => {
    const s = await session(['import time\ntime.sleep(0.3)\n6 * 7']);
    await s.execute(0);
    await s.execute(0);
    await untilAll(
      s,
      (m) => m.filter((x) => x.cell_execution_reply).length === 2 && settled(s)(m),
      'both runs to settle',
    );
    await expectConsistent(s);
    expect(await outputsOf(s, 0)).toEqual([
      { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '42' }, metadata: {} },
    ]);
  });

  it('an error in the first cell aborts the others: replies aborted, cells idle, no outputs', async () => {
    const g = gate(suite.d1);
    const s = await session([`${g.code}1/0`, 'print("never")', 'print("never either")']);
    const ids = await queueBehindGate(s, g, 3);
    await untilAll(s, settled(s), 'the batch to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      ...queuedBehind('c0', ['c1', 'c2']),
      ...oneRun('c0', 'error').slice(2),
      'reply c1 aborted',
      'update c1 idle',
      'reply c2 aborted',
      'update c2 idle',
      'vars',
    ]);
    expectIds(
      s,
      msgs,
      ids.map((messageId, cell) => ({ cell, messageId })),
    );
    const replies = msgs.filter((m) => m.cell_execution_reply).map((m) => m.cell_execution_reply);
    expect(replies.slice(1)).toEqual([
      { cell_id: s.cellIds[1], execution_count: null, status: 'aborted', parent_id: ids[1] },
      { cell_id: s.cellIds[2], execution_count: null, status: 'aborted', parent_id: ids[2] },
    ]);
    expect((await outputsOf(s, 0))[0]).toMatchObject({ output_type: 'error', ename: 'ZeroDivisionError' });
    expect(await outputsOf(s, 1)).toEqual([]);
    expect(await outputsOf(s, 2)).toEqual([]);
  });

  it('cancels a queued cell (204, reply aborted) but not the running one (409)', async () => {
    const g = gate(suite.d1);
    const s = await session([`${g.code}print(0)`, 'print(1)', 'print(2)']);
    const ids = [await s.execute(0)];
    await untilAll(s, (m) => m.some((x) => x.cell_execution_input), 'cell 0 to start');
    ids.push(await s.execute(1), await s.execute(2));
    expect((await s.call('POST', `/cells/${s.cellIds[1]}/cancel`)).status).toBe(204);
    const running = await s.call('POST', `/cells/${s.cellIds[0]}/cancel`);
    expect(running.status).toBe(409);
    expect(running.json.error).toBeDefined();
    expect((await s.call('POST', `/cells/${s.cellIds[1]}/cancel`)).status).toBe(409); // no longer queued
    g.open();
    await untilAll(s, settled(s), 'the rest to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      ...queuedBehind('c0', ['c1', 'c2']),
      'reply c1 aborted',
      'update c1 idle',
      ...oneRun('c0').slice(2),
      ...oneRun('c2'),
      'vars',
    ]);
    expectIds(
      s,
      msgs,
      ids.map((messageId, cell) => ({ cell, messageId })),
    );
    expect(await outputsOf(s, 1)).toEqual([]);
    expect(await outputsOf(s, 2)).toEqual([{ output_type: 'stream', name: 'stdout', text: '2\n' }]);
  });

  it('interrupt stops `while True: pass`, empties the queue and broadcasts kernel_interrupted', async () => {
    const s = await session(['while True: pass', 'print("queued")', 'print("after")']);
    const ids = [await s.execute(0)];
    await untilAll(s, (m) => m.some((x) => x.cell_execution_input), 'the loop to start');
    ids.push(await s.execute(1));
    const t0 = performance.now();
    expect((await s.call('POST', '/interrupt_kernel')).status).toBe(204);
    await untilAll(s, (m) => sequence(s, m).includes('update c0 idle'), 'the loop to stop');
    console.log(
      `interrupt latency: ${(performance.now() - t0).toFixed(0)} ms (REST call to idle at clients)`,
    );
    await untilAll(s, settled(s), 'the notebook to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      ...queuedBehind('c0', ['c1']),
      'reply c1 aborted',
      'update c1 idle',
      'kernel_interrupted',
      'update c0 busy +out',
      'reply c0 error',
      'update c0 idle',
      'vars',
    ]);
    expect(msgs.find((m) => m.kernel_interrupted)).toEqual({ kernel_interrupted: { interrupted: true } });
    expectIds(
      s,
      msgs,
      ids.map((messageId, cell) => ({ cell, messageId })),
    );
    expect(await outputsOf(s, 0)).toEqual([
      expect.objectContaining({ output_type: 'error', ename: 'KeyboardInterrupt' }),
    ]);
    expect(await outputsOf(s, 1)).toEqual([]);
    // The kernel is usable again.
    await s.execute(2);
    await untilAll(s, (m) => sequence(s, m).includes('update c2 idle'), 'cell 2 to run');
    expect(await outputsOf(s, 2)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'after\n' }]);
  });

  it('restart_kernel: queue emptied, cells idle, kernel_restarted, outputs kept, counts restart at 1', async () => {
    const s = await session(['x = 41\nx + 1', 'while True: pass', 'print("queued")', 'x']);
    await s.execute(0);
    await untilAll(s, settled(s), 'cell 0 to run');
    const before = s.clients.map((c) => c.messages.length);
    await s.execute(1);
    await untilAll(s, (m) => m.filter((x) => x.cell_execution_input).length === 2, 'the loop to start');
    await s.execute(2);
    expect((await s.call('POST', '/restart_kernel')).status).toBe(204);
    await untilAll(s, (m) => m.slice(before[0]).some((x) => x.vars), 'vars after the restart');
    const msgs = (await expectConsistent(s)).slice(before[0]);
    expect(sequence(s, msgs)).toEqual([
      ...queuedBehind('c1', ['c2']),
      'reply c2 aborted',
      'update c2 idle',
      'reply c1 aborted',
      'update c1 idle',
      'kernel_restarted',
      'metadata',
      'vars',
    ]);
    const restarted = msgs.find((m) => m.kernel_restarted)!.kernel_restarted;
    expect(restarted.run_all_cells).toBe(false);
    expect(restarted.cells.map((c: any) => c.metadata.jupyter_d1.execution_state)).toEqual(
      Array(4).fill('idle'),
    );
    expect(restarted.cells[0].outputs).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '42' }, metadata: {} },
    ]);
    expect(msgs.find((m) => m.vars)!.vars).toEqual([]);
    await s.execute(3);
    await untilAll(s, (m) => sequence(s, m).includes('update c3 idle'), 'cell 3 to run');
    const out = await outputsOf(s, 3);
    expect(out).toEqual([expect.objectContaining({ output_type: 'error', ename: 'NameError' })]);
    const reply = s.clients[0].of('cell_execution_reply').pop();
    expect(reply).toMatchObject({ cell_id: s.cellIds[3], execution_count: 1, status: 'error' });
    await untilAll(s, settled(s), 'settle');
    await expectConsistent(s);
  });

  it('restart_kernel_and_clear_output: outputs and counts cleared in kernel_restarted and the notebook', async () => {
    const s = await session(['print(1)', '2']);
    await s.execute(0);
    await s.execute(1);
    await untilAll(s, settled(s), 'cells to run');
    const before = s.clients[0].messages.length;
    expect((await s.call('POST', '/restart_kernel_and_clear_output')).status).toBe(204);
    await untilAll(s, (m) => m.slice(before).some((x) => x.vars), 'vars after the restart');
    const msgs = (await expectConsistent(s)).slice(before);
    expect(sequence(s, msgs)).toEqual(['kernel_restarted', 'metadata', 'vars']);
    const { cells, run_all_cells } = msgs[0].kernel_restarted;
    expect(run_all_cells).toBe(false);
    expect(cells.map((c: any) => [c.outputs, c.execution_count])).toEqual([
      [[], null],
      [[], null],
    ]);
  });

  it('restart_kernel_and_execute_all: kernel_restarted (run_all_cells), then every code cell runs from 1', async () => {
    const s = await session(['a = 1\nprint(a)', { cell_type: 'markdown', source: '# title' }, '', 'a + 1']);
    await s.execute(0);
    await untilAll(s, settled(s), 'cell 0 to run');
    const before = s.clients[0].messages.length;
    const res = await s.call('POST', '/restart_kernel_and_execute_all');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['kernel_messages']);
    expect(res.json.kernel_messages).toHaveLength(3);
    await untilAll(s, (m) => settled(s)(m.slice(before)), 'the run to settle');
    const msgs = (await expectConsistent(s)).slice(before);
    expect(sequence(s, msgs)).toEqual([
      'kernel_restarted',
      'metadata',
      ...['c0', 'c2', 'c3'].flatMap((c) => [`update ${c} pending`, `request ${c}`]),
      ...oneRun('c0'),
      ...oneRun('c2', 'ok', false),
      ...oneRun('c3'),
      'vars',
    ]);
    expect(msgs[0].kernel_restarted.run_all_cells).toBe(true);
    expect(msgs[0].kernel_restarted.cells[0].outputs).toEqual([]);
    expectIds(
      s,
      msgs,
      [0, 2, 3].map((cell, i) => ({ cell, messageId: res.json.kernel_messages[i].message_id })),
    );
    const counts = msgs
      .filter((m) => m.cell_execution_reply)
      .map((m) => m.cell_execution_reply.execution_count);
    // ipykernel does not count an empty cell: its reply repeats the previous number.
    expect(counts).toEqual([1, 1, 2]);
  });

  it.each([
    ['', ['c0', 'c2', 'c3', 'c4']],
    ['?above_position=0&below_position=0', ['c0', 'c2', 'c3', 'c4']],
    ['?above_position=3', ['c0', 'c2']],
    ['?below_position=2', ['c3', 'c4']],
    ['?above_position=4&below_position=1', ['c2', 'c3']],
  ])('execute_all%s runs the code cells it selects, in order', async (query, cells) => {
    const s = await session([
      'print(0)',
      { cell_type: 'markdown', source: 'md' },
      'print(2)',
      '',
      'print(4)',
    ]);
    const res = await s.call('POST', `/execute_all${query}`);
    expect(res.status).toBe(200);
    await untilAll(s, settled(s), 'the run to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      ...cells.flatMap((c) => [`update ${c} pending`, `request ${c}`]),
      ...cells.flatMap((c) => oneRun(c, 'ok', c !== 'c3')),
      'vars',
    ]);
    expectIds(
      s,
      msgs,
      cells.map((c, i) => ({ cell: Number(c.slice(1)), messageId: res.json.kernel_messages[i].message_id })),
    );
  });

  it('GET execute_all works like POST (d1 clients use GET)', async () => {
    const s = await session(['print(0)']);
    const res = await s.call('GET', '/execute_all');
    expect(res.status).toBe(200);
    await untilAll(s, settled(s), 'the run to settle');
    expectIds(s, await expectConsistent(s), [{ cell: 0, messageId: res.json.kernel_messages[0].message_id }]);
  });

  it('PATCH cells/{cell}/execute updates the source then runs it: {cell, patch: null, kernel_message}', async () => {
    const s = await session(['print("old")']);
    const res = await s.call('PATCH', `/cells/${s.cellIds[0]}/execute`, { source: 'print("new")' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['cell', 'kernel_message', 'patch']);
    expect(res.json.patch).toBeNull();
    expect(res.json.cell.source).toBe('print("new")');
    await untilAll(s, settled(s), 'the run to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual([
      'update c0 idle',
      'update c0 pending',
      'request c0',
      ...oneRun('c0'),
      'vars',
    ]);
    expectIds(s, msgs, [{ cell: 0, messageId: res.json.kernel_message.message_id }]);
    expect(await outputsOf(s, 0)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'new\n' }]);
  });
});

/**
 * Runs cell 0 (which waits on `g`), and once every client saw it start, queues cells 1..n-1 behind it and
 * opens the gate: the order of messages is then fixed. Returns the message ids in cell order.
 */
async function queueBehindGate(s: Session, g: { open(): void }, n: number): Promise<string[]> {
  const ids = [await s.execute(0)];
  await untilAll(s, (m) => m.some((x) => x.cell_execution_input), 'cell 0 to start');
  for (let i = 1; i < n; i++) ids.push(await s.execute(i));
  g.open();
  return ids;
}

/** What clients see of queueBehindGate before the gate opens. */
function queuedBehind(first: string, queued: string[]): string[] {
  return [
    `update ${first} pending`,
    `request ${first}`,
    ...oneRun(first).slice(0, 2),
    ...queued.flatMap((c) => [`update ${c} pending`, `request ${c}`]),
  ];
}
