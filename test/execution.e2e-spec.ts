import { TestD1, startD1 } from './support/d1';
import {
  Session,
  expectConsistent,
  expectIds,
  oneRun,
  gate,
  openSession,
  outputsOf,
  sequence,
  settled,
  untilAll,
} from './support/execution';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('execution: the queue as every client sees it', () => {
  let d1: TestD1;
  let s: Session | null = null;
  beforeAll(async () => {
    d1 = await startD1();
  });
  afterEach(async () => {
    await s?.close();
    s = null;
  });
  afterAll(async () => {
    await d1?.close();
  });

  it('runs one cell: pending, request, busy, input, outputs, reply, idle, vars — ids line up', async () => {
    s = await openSession(d1, ['print("hi")']);
    const id = await s.execute(0);
    await untilAll(s, settled(s), 'the cell to settle');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual(['update c0 pending', 'request c0', ...oneRun('c0'), 'vars']);
    expectIds(s, msgs, [{ cell: 0, messageId: id }]);
    const input = msgs.find((m) => m.cell_execution_input).cell_execution_input;
    expect(input.content).toMatchObject({ code: 'print("hi")', execution_count: 1 });
    const reply = msgs.find((m) => m.cell_execution_reply).cell_execution_reply;
    expect(reply).toEqual({ cell_id: s.cellIds[0], execution_count: 1, status: 'ok', parent_id: id });
    expect(await outputsOf(s, 0)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'hi\n' }]);
  });

  it('runs three cells executed back to back in order', async () => {
    const g = gate(d1);
    s = await openSession(d1, [`${g.code}a = 1\nprint(a)`, 'b = a + 1\nprint(b)', 'print(a + b)']);
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

  it('an error in the first cell aborts the others: replies aborted, cells idle, no outputs', async () => {
    const g = gate(d1);
    s = await openSession(d1, [`${g.code}1/0`, 'print("never")', 'print("never either")']);
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
