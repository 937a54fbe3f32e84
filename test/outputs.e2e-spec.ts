import {
  expectConsistent,
  oneRun,
  sessionSuite,
  outputsOf,
  sequence,
  settled,
  untilAll,
} from './support/execution';
import { checkFeedSchemas } from './support/ws-schemas';

describe('outputs: nbformat merging as every client sees it', () => {
  checkFeedSchemas();
  const suite = sessionSuite();
  const session = suite.session;

  it('a progress bar written with \\r ends as one line', async () => {
    const s = await session(['for i in range(101): print(f"\\r{i}%", end="", flush=True)']);
    await s.execute(0);
    await untilAll(s, settled(s), 'the loop to finish');
    const msgs = await expectConsistent(s);
    expect(sequence(s, msgs)).toEqual(['update c0 pending', 'request c0', ...oneRun('c0'), 'vars']);
    expect(await outputsOf(s, 0)).toEqual([{ output_type: 'stream', name: 'stdout', text: '100%' }]);
  });

  it('clear_output(wait=True) loops end with the last output; a trailing wait-clear keeps the old one', async () => {
    const s = await session([
      'from IPython.display import clear_output\nfor i in range(50):\n    clear_output(wait=True)\n    print(f"step {i}")',
      'print("kept")\nclear_output(wait=True)',
      'print("gone")\nclear_output()',
    ]);
    await s.execute(0);
    await s.execute(1);
    await s.execute(2);
    await untilAll(s, settled(s), 'the cells to finish');
    await expectConsistent(s);
    expect(await outputsOf(s, 0)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'step 49\n' }]);
    expect(await outputsOf(s, 1)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'kept\n' }]);
    expect(await outputsOf(s, 2)).toEqual([]);
  });

  it('update_display_data by display_id updates the output, also from a later cell', async () => {
    const s = await session([
      'h = display("first", display_id="x")\nprint("between")\nh.update("second")',
      'h.update("third")',
    ]);
    await s.execute(0);
    await untilAll(s, settled(s), 'cell 0');
    const display = (text: string) => ({
      output_type: 'display_data',
      data: { 'text/plain': `'${text}'` },
      metadata: {},
    });
    expect(await outputsOf(s, 0)).toEqual([
      display('second'),
      { output_type: 'stream', name: 'stdout', text: 'between\n' },
    ]);
    const before = s.clients[0].messages.length;
    await s.execute(1);
    await untilAll(s, (m) => settled(s)(m.slice(before)), 'cell 1');
    const msgs = (await expectConsistent(s)).slice(before);
    expect(sequence(s, msgs)).toEqual([
      'update c1 pending',
      'request c1',
      'update c1 busy',
      'input c1',
      'update c0 idle',
      'reply c1 ok',
      'update c1 idle',
      'vars',
    ]);
    expect((await outputsOf(s, 0))[0]).toEqual(display('third'));
    expect(await outputsOf(s, 1)).toEqual([]);
  });

  it('execute_result carries the execution_count, as the cell does', async () => {
    const s = await session(['x = 20', 'x * 2 + 2']);
    await s.execute(0);
    await s.execute(1);
    await untilAll(s, settled(s), 'both cells');
    await expectConsistent(s);
    const cell = (await suite.d1.request('GET', `/notebooks/${s.uuid}/cells/${s.cellIds[1]}`)).json.cell;
    expect(cell.execution_count).toBe(2);
    expect(cell.outputs).toEqual([
      { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '42' }, metadata: {} },
    ]);
  });

  it('a cell printing 1,000,000 lines finishes, truncated with the marker; d1 memory stays bounded', async () => {
    const s = await session(['for i in range(1_000_000): print(i)\nprint("done")', 'print("next")']);
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const t0 = performance.now();
    await s.execute(0);
    try {
      await untilAll(s, settled(s), 'the million lines', 120_000);
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - t0) / 1000;
    const rssAfter = process.memoryUsage().rss;
    const mib = (n: number) => (n / 1024 / 1024).toFixed(0);
    console.log(
      `1M lines: ${seconds.toFixed(1)} s; rss before ${mib(rssBefore)} MiB, peak ${mib(rssPeak)} MiB, ` +
        `after ${mib(rssAfter)} MiB (test process: d1, Jupyter client side and two ws clients)`,
    );
    await expectConsistent(s);
    const outputs = await outputsOf(s, 0);
    expect(outputs).toHaveLength(2);
    expect(outputs[0]).toMatchObject({ output_type: 'stream', name: 'stdout' });
    expect(outputs[0].text.startsWith('0\n1\n2\n')).toBe(true);
    expect(Buffer.byteLength(outputs[0].text)).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(outputs[1]).toEqual({
      output_type: 'stream',
      name: 'stderr',
      text: '\n[d1: output truncated: this cell exceeded the 2.0 MiB output limit]\n',
    });
    expect(rssPeak - rssBefore).toBeLessThan(400 * 1024 * 1024);
    // The kernel is free again and the next cell is not truncated.
    await s.execute(1);
    await untilAll(s, (m) => sequence(s, m).includes('update c1 idle'), 'the next cell');
    expect(await outputsOf(s, 1)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'next\n' }]);
  }, 150_000);
});
