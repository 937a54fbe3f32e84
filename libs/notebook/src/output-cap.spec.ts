import type { Output } from './index';
import { clear, display, out, result, setup, stream, update } from './spec-helpers';

describe('output cap', () => {
  const marker = (limit: string) =>
    out('stderr', `\n[d1: output truncated: this cell exceeded the ${limit} output limit]\n`);
  const bytes = (outputs: Output[]) => outputs.reduce((n, o) => n + Buffer.byteLength(JSON.stringify(o)), 0);

  it('stops a stream at the cap and ends the cell with one marker', () => {
    const { model, a, b, outputs } = setup(1000);
    for (let i = 0; i < 100; i++) model.appendStream(a, 'stdout', `${'x'.repeat(98)}\n`);
    model.appendOutput(a, { output_type: 'display_data', data: { 'text/plain': 'late' }, metadata: {} });
    model.appendStream(a, 'stderr', 'late\n');
    const list = outputs(a);
    expect(list).toHaveLength(2);
    expect((list[0] as { text: string }).text).toBe(`${'x'.repeat(98)}\n`.repeat(10) + 'x'.repeat(10));
    expect(list[1]).toEqual(marker('1000 bytes'));
    expect(outputs(b)).toEqual([]);
  });

  it('fills up to the cap with the part of a chunk that fits', () => {
    const { model, a, outputs } = setup(10);
    model.appendStream(a, 'stdout', 'abcdefghijklmnop');
    expect(outputs(a)).toEqual([out('stdout', 'abcdefghij'), marker('10 bytes')]);
  });

  it('truncates an output that alone is over the cap', () => {
    const { model, a, outputs, run } = setup(2048);
    run(a, stream('stdout', 'before\n'), display({ 'image/png': 'A'.repeat(5000) }));
    expect(outputs(a)).toEqual([out('stdout', 'before\n'), marker('2.0 KiB')]);
    expect(model.getCell(a)).toMatchObject({ execution_count: null });
  });

  it('sets the count of an execute_result even when the result is dropped', () => {
    const { model, a, run } = setup(100);
    run(a, result(9, 'y'.repeat(500)));
    expect(model.getCell(a)).toMatchObject({ execution_count: 9 });
  });

  it('does not count overwritten progress towards the cap', () => {
    const { model, a, outputs } = setup(100);
    for (let i = 0; i <= 1000; i++)
      model.appendStream(a, 'stdout', `\r${String(Math.floor(i / 10)).padStart(3)}%`);
    expect(outputs(a)).toEqual([out('stdout', '100%')]);
  });

  it('keeps memory bounded whatever is printed, and starts afresh on the next run', () => {
    const { model, a, outputs } = setup(4096);
    const chunk = `${'z'.repeat(1023)}\n`;
    for (let i = 0; i < 10_000; i++) model.appendStream(a, i % 2 ? 'stdout' : 'stderr', chunk);
    for (let i = 0; i < 100; i++)
      model.appendOutput(a, { output_type: 'display_data', data: { 'text/plain': chunk }, metadata: {} });
    const list = outputs(a);
    expect(list.filter((o) => JSON.stringify(o).includes('output truncated'))).toHaveLength(1);
    expect(list[list.length - 1]).toEqual(marker('4.0 KiB'));
    expect(bytes(list)).toBeLessThan(4096 + 1024);
    model.startExecution(a);
    model.appendStream(a, 'stdout', 'fresh\n');
    expect(outputs(a)).toEqual([out('stdout', 'fresh\n')]);
  });

  it('refuses a display update that would break the cap', () => {
    const { a, outputs, run } = setup(300);
    run(a, display({ 'text/plain': 'small' }, 'd'), update({ 'text/plain': 'q'.repeat(400) }, 'd'));
    expect(outputs(a)).toEqual([
      { output_type: 'display_data', data: { 'text/plain': 'small' }, metadata: {} },
      marker('300 bytes'),
    ]);
  });

  it('defaults to 2 MiB', () => {
    const { model, a, outputs } = setup();
    const line = `${'m'.repeat(1023)}\n`;
    for (let i = 0; i < 3000; i++) model.appendStream(a, 'stdout', line);
    const list = outputs(a);
    expect(list[1]).toEqual(marker('2.0 MiB'));
    expect((list[0] as { text: string }).text.length).toBe(2 * 1024 * 1024);
  });
});

describe('execution bookkeeping', () => {
  it('startExecution clears outputs, count and a pending clear', () => {
    const { model, a, outputs, run } = setup();
    run(a, result(3, 'x'), clear(true));
    expect(model.startExecution(a)).toBe(a);
    expect(model.getCell(a)).toMatchObject({ outputs: [], execution_count: null });
    run(a, stream('stdout', 'one'));
    run(a, stream('stdout', ' two'));
    expect(outputs(a)).toEqual([out('stdout', 'one two')]);
  });

  it('sets states and counts, and returns every cell to idle', () => {
    const { model, a, b } = setup();
    expect(model.setExecutionState(a, 'pending')).toBe(a);
    model.setExecutionState(b, 'busy');
    expect(model.setExecutionCount(a, 5)).toBe(a);
    expect(model.getCell(a)).toMatchObject({
      execution_count: 5,
      metadata: { jupyter_d1: { execution_state: 'pending' } },
    });
    expect(model.setAllIdle()).toEqual([a, b]);
    expect(model.setAllIdle()).toEqual([]);
    expect(model.cellsJson().map((c) => c.metadata.jupyter_d1?.execution_state)).toEqual(['idle', 'idle']);
  });
});
