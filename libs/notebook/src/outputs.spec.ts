import { NotebookModel, type CodeCellJson, type JupyterMessage, type Output } from './index';
import { clear, display, errorMsg as error, msg, out, result, setup, stream, update } from './spec-helpers';

describe('stream outputs', () => {
  it.each<[string, JupyterMessage[], Output[]]>([
    [
      'merges chunks of one stream',
      [stream('stdout', 'a'), stream('stdout', 'b\n')],
      [out('stdout', 'ab\n')],
    ],
    [
      'starts a new output when the stream changes',
      [stream('stdout', '1\n'), stream('stderr', 'warn\n'), stream('stdout', '2\n'), stream('stdout', '3\n')],
      [out('stdout', '1\n'), out('stderr', 'warn\n'), out('stdout', '2\n3\n')],
    ],
    [
      'does not merge across a display',
      [stream('stdout', 'x'), display({ 'text/plain': 'd' }), stream('stdout', 'y')],
      [
        out('stdout', 'x'),
        { output_type: 'display_data', data: { 'text/plain': 'd' }, metadata: {} },
        out('stdout', 'y'),
      ],
    ],
    [
      'applies \\r across chunks',
      [
        stream('stdout', 'Start\n'),
        stream('stdout', '10%\r'),
        stream('stdout', '20%\r'),
        stream('stdout', '30%\n'),
      ],
      [out('stdout', 'Start\n30%\n')],
    ],
    ['applies \\b', [stream('stdout', 'abc\b'), stream('stdout', '\bX\n')], [out('stdout', 'aX\n')]],
    [
      'keeps \\r\\n as a newline',
      [stream('stdout', 'a\r'), stream('stdout', '\nb\r\n')],
      [out('stdout', 'a\nb\n')],
    ],
    [
      'keeps cursor state per output when streams interleave',
      [stream('stdout', 'p1\r'), stream('stderr', 'e'), stream('stdout', 'p2')],
      [out('stdout', 'p1'), out('stderr', 'e'), out('stdout', 'p2')],
    ],
  ])('%s', (_name, messages, expected) => {
    const { a, outputs, run } = setup();
    run(a, ...messages);
    expect(outputs(a)).toEqual(expected);
  });

  it('reports the changed cell, and nothing for cursor-only chunks', () => {
    const { model, a, run } = setup();
    expect(run(a, stream('stdout', 'x\r'))).toEqual([[a]]);
    const version = model.version;
    expect(run(a, stream('stdout', '\r'), stream('stdout', ''))).toEqual([[], []]);
    expect(model.version).toBe(version);
  });

  it('continues a stream output loaded from a file', () => {
    const model = NotebookModel.parse(
      {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            cell_type: 'code',
            source: '',
            metadata: {},
            outputs: [{ output_type: 'stream', name: 'stdout', text: ['a\n', 'b'] }],
          },
        ],
      },
      { newUuid: true },
    );
    const [uuid] = model.cellUuids();
    model.appendStream(uuid, 'stdout', '\rX\n');
    expect((model.getCell(uuid) as CodeCellJson).outputs).toEqual([out('stdout', 'a\nX\n')]);
  });

  it('stays fast for a million lines', () => {
    const { model, a, outputs } = setup(64 * 1024 * 1024);
    const started = Date.now();
    for (let i = 0; i < 1_000_000; i++) model.appendStream(a, 'stdout', `line ${i}\n`);
    console.log(`1,000,000 lines through the model in ${Date.now() - started} ms`);
    const [only] = outputs(a) as Array<{ text: string }>;
    expect(outputs(a)).toHaveLength(1);
    expect(only.text.endsWith('line 999998\nline 999999\n')).toBe(true);
  });
});

describe('rich outputs', () => {
  it('appends display_data, execute_result (count set at once) and error as nbformat', () => {
    const { model, a, outputs, run } = setup();
    expect(run(a, display({ 'text/plain': ['x', 'y'] }), result(4, '42'), error)).toEqual([[a], [a], [a]]);
    expect(model.getCell(a)).toMatchObject({ execution_count: 4 });
    expect(outputs(a)).toEqual([
      { output_type: 'display_data', data: { 'text/plain': 'xy' }, metadata: {} },
      { output_type: 'execute_result', execution_count: 4, data: { 'text/plain': '42' }, metadata: {} },
      {
        output_type: 'error',
        ename: 'ValueError',
        evalue: 'bad',
        traceback: ['Traceback', 'ValueError: bad'],
      },
    ]);
  });

  it.each<[string, JupyterMessage]>([
    ['status', msg('status', { execution_state: 'busy' })],
    ['execute_input', msg('execute_input', { code: 'x', execution_count: 1 })],
    ['stream without text', msg('stream', { name: 'stdout' })],
    ['display without data', msg('display_data', { metadata: {} })],
    ['display with bad data', msg('display_data', { data: { 'text/plain': 5 }, metadata: {} })],
    ['error without traceback', msg('error', { ename: 'E', evalue: 'v' })],
    ['update without display_id', msg('update_display_data', { data: {}, metadata: {} })],
    ['no content', { header: { msg_type: 'stream' } } as unknown as JupyterMessage],
    ['no header', { content: {} } as unknown as JupyterMessage],
  ])('ignores %s', (_name, message) => {
    const { model, a, outputs } = setup();
    expect(model.applyMessage(a, message)).toEqual([]);
    expect(outputs(a)).toEqual([]);
    expect(model.version).toBe(2);
  });

  it('ignores outputs sent to a markdown cell', () => {
    const { model } = setup();
    const m = model.addCell({ cell_type: 'markdown' }).id;
    expect(model.applyMessage(m, stream('stdout', 'x'))).toEqual([]);
    expect(model.getCell(m)).not.toHaveProperty('outputs');
  });

  it('validates outputs given directly', () => {
    const { model, a, outputs } = setup();
    expect(() => model.appendOutput(a, { output_type: 'error', ename: 'E' } as unknown as Output)).toThrow(
      'output.evalue: is required',
    );
    expect(
      model.appendOutput(a, { output_type: 'display_data', data: { 'text/plain': 'v' }, metadata: {} }, 'd'),
    ).toEqual([a]);
    expect(model.updateDisplayData('d', { 'text/plain': 'w' }, {})).toEqual([a]);
    model.appendOutput(a, out('stdout', 'x'));
    model.appendOutput(a, out('stdout', '\ry'));
    expect(outputs(a)).toEqual([
      { output_type: 'display_data', data: { 'text/plain': 'w' }, metadata: {} },
      out('stdout', 'y'),
    ]);
    expect(() => model.updateDisplayData('d', { 'text/plain': 1 } as never, {})).toThrow(
      'data["text/plain"]: must be a string or a list of strings',
    );
  });
});

describe('clear_output', () => {
  it('clears at once without wait', () => {
    const { a, outputs, run } = setup();
    expect(run(a, stream('stdout', 'x'), clear(false))).toEqual([[a], [a]]);
    expect(outputs(a)).toEqual([]);
  });

  it('with wait, clears just before the next output (a redraw loop ends with one output)', () => {
    const { a, outputs, run } = setup();
    for (let i = 0; i < 5; i++) {
      run(a, clear(true));
      expect(outputs(a)).toEqual(i === 0 ? [] : [out('stdout', `frame ${i - 1}\n`)]);
      run(a, stream('stdout', `frame ${i}\n`));
    }
    expect(outputs(a)).toEqual([out('stdout', 'frame 4\n')]);
  });

  it('with wait, before displays and results too', () => {
    const { a, outputs, run } = setup();
    for (let i = 0; i < 3; i++)
      run(a, clear(true), display({ 'text/plain': `${i}` }), clear(true), result(1, `r${i}`));
    expect(outputs(a)).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': 'r2' }, metadata: {} },
    ]);
  });

  it('with wait, does not report a change until output arrives', () => {
    const { model, a, run } = setup();
    run(a, stream('stdout', 'x'));
    const version = model.version;
    expect(run(a, clear(true))).toEqual([[]]);
    expect(model.version).toBe(version);
    run(a, clear(true), clear(false));
    expect(run(a, stream('stdout', 'y'))).toEqual([[a]]);
  });

  it('a cleared stream is not merged into afterwards', () => {
    const { a, outputs, run } = setup();
    run(a, stream('stdout', 'old\r'), clear(true), stream('stdout', 'new'));
    expect(outputs(a)).toEqual([out('stdout', 'new')]);
  });
});

describe('update_display_data', () => {
  it('updates every output with the display_id, in any cell, without storing transient', () => {
    const { model, a, b, outputs, run } = setup();
    run(
      a,
      display({ 'text/plain': 'v1' }, 'd1'),
      display({ 'text/plain': 'other' }, 'd2'),
      display({ 'text/plain': 'v1' }, 'd1'),
    );
    run(b, display({ 'text/plain': 'v1' }, 'd1'));
    expect(run(b, update({ 'text/plain': 'v2' }, 'd1'))).toEqual([[a, b]]);
    const updated = {
      output_type: 'display_data',
      data: { 'text/plain': 'v2' },
      metadata: { updated: true },
    };
    expect(outputs(a)).toEqual([
      updated,
      { output_type: 'display_data', data: { 'text/plain': 'other' }, metadata: {} },
      updated,
    ]);
    expect(outputs(b)).toEqual([updated]);
    expect(JSON.stringify(model.toJson())).not.toContain('transient');
    expect(model.updateDisplayData('nope', {}, {})).toEqual([]);
  });

  it('still applies when the sending cell has been deleted', () => {
    const { model, a, b, outputs, run } = setup();
    run(a, display({ 'text/plain': 'v1' }, 'd'));
    model.deleteCell(b);
    expect(model.applyMessage(b, update({ 'text/plain': 'v2' }, 'd'))).toEqual([a]);
    expect(outputs(a)).toEqual([
      { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: { updated: true } },
    ]);
  });

  it('updates an execute_result shown with a display_id, keeping its count', () => {
    const { a, outputs, run } = setup();
    run(
      a,
      msg('execute_result', {
        execution_count: 2,
        data: { 'text/plain': '1' },
        metadata: {},
        transient: { display_id: 'r' },
      }),
    );
    run(a, update({ 'text/plain': '2' }, 'r'));
    expect(outputs(a)).toEqual([
      {
        output_type: 'execute_result',
        execution_count: 2,
        data: { 'text/plain': '2' },
        metadata: { updated: true },
      },
    ]);
  });

  it.each<[string, (m: NotebookModel, a: string) => unknown]>([
    ['clear_output', (m, a) => m.clearOutput(a, false)],
    ['startExecution', (m, a) => m.startExecution(a)],
    ['clearCell', (m, a) => m.clearCell(a)],
    ['deleteCell', (m, a) => m.deleteCell(a)],
    ['a change to markdown', (m, a) => m.patchCell(a, { cell_type: 'markdown' })],
  ])('forgets displays after %s', (_name, drop) => {
    const { model, a, b, outputs, run } = setup();
    run(a, display({ 'text/plain': 'v1' }, 'd'));
    run(b, display({ 'text/plain': 'v1' }, 'd'));
    drop(model, a);
    expect(run(b, update({ 'text/plain': 'v2' }, 'd'))).toEqual([[b]]);
    expect(outputs(b)).toEqual([
      { output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: { updated: true } },
    ]);
  });
});
