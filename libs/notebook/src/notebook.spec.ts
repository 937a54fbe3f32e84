import type * as nbformat from '@jupyterlab/nbformat';
import { CellNotFoundError, NotebookFormatError, NotebookModel, type NotebookJson } from './index';
import { code, md, nb, open } from './spec-helpers';

const U = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

function withUuid(cell: Record<string, unknown>, uuid: string): Record<string, unknown> {
  return { ...cell, metadata: { jupyter_d1: { uuid } } };
}

/** Sources and positions in order, plus a check that positions are 0..n-1 and ids equal uuids. */
function layout(model: NotebookModel): string[] {
  const cells = model.cellsJson();
  cells.forEach((cell, i) => {
    expect(cell.metadata.jupyter_d1?.position).toBe(i);
    expect(cell.id).toBe(cell.metadata.jupyter_d1?.uuid);
    expect(cell.metadata.jupyter_d1?.notebook_uuid).toBe(model.uuid);
  });
  return cells.map((cell) => cell.source);
}

describe('NotebookModel.fromJson (reset on open)', () => {
  const stream = { output_type: 'stream', name: 'stdout', text: ['a\n', 'b\n'] };
  const file = nb(
    [
      withUuid(code('x = 1', { execution_count: 7, outputs: [stream] }), U(1)),
      { ...md('# hi'), id: U(2) },
      { cell_type: 'code', source: ['print(1)\n', 'print(2)'], metadata: { tags: ['t'] } },
      { ...withUuid(md('dup'), U(1)) },
      { ...code(''), id: 'not-a-uuid' },
    ],
    { jupyter_d1: { uuid: U(99), name: 'nb' }, kernelspec: { name: 'python3', display_name: 'Python 3' } },
  );

  it('keeps, takes from id, generates and de-duplicates cell uuids', () => {
    const model = NotebookModel.parse(file, { newUuid: false });
    const uuids = model.cellUuids();
    expect(uuids[0]).toBe(U(1));
    expect(uuids[1]).toBe(U(2));
    expect(uuids[3]).not.toBe(U(1));
    expect(uuids[4]).not.toBe('not-a-uuid');
    expect(new Set(uuids).size).toBe(5);
    for (const uuid of uuids) expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('resets execution state and counts, keeps outputs, completes code cells', () => {
    const cells = NotebookModel.parse(file, { newUuid: false }).cellsJson();
    expect(cells[0]).toEqual({
      id: U(1),
      cell_type: 'code',
      source: 'x = 1',
      metadata: { jupyter_d1: { uuid: U(1), notebook_uuid: U(99), position: 0, execution_state: 'idle' } },
      outputs: [{ output_type: 'stream', name: 'stdout', text: 'a\nb\n' }],
      execution_count: null,
    });
    expect(cells[1]).toEqual({
      id: U(2),
      cell_type: 'markdown',
      source: '# hi',
      metadata: { jupyter_d1: { uuid: U(2), notebook_uuid: U(99), position: 1, execution_state: 'idle' } },
    });
    expect(cells[2]).toMatchObject({ source: 'print(1)\nprint(2)', outputs: [], execution_count: null });
    expect(cells[2].metadata.tags).toEqual(['t']);
  });

  it.each([
    [{ newUuid: false }, U(99)],
    [{ newUuid: false, notebookUuid: U(5) }, U(5)],
    [{ newUuid: true, notebookUuid: U(5) }, U(5)],
  ])('chooses the notebook uuid with %j', (options, expected) => {
    const model = NotebookModel.parse(file, options);
    expect(model.uuid).toBe(expected);
    expect((model.metadata.jupyter_d1 as Record<string, unknown>).uuid).toBe(expected);
  });

  it('assigns a fresh notebook uuid with newUuid', () => {
    const model = NotebookModel.parse(file, { newUuid: true });
    expect(model.uuid).not.toBe(U(99));
    expect(model.toJson().metadata).toEqual({
      jupyter_d1: { uuid: model.uuid, name: 'nb' },
      kernelspec: { name: 'python3', display_name: 'Python 3' },
    });
  });

  it('produces nbformat 4.5 and survives its own output', () => {
    const model = NotebookModel.parse(file, { newUuid: false });
    const json: NotebookJson = model.toFileJson();
    // Checked by tsc: the model's JSON is what @jupyterlab/nbformat calls a notebook.
    const typed: nbformat.INotebookContent = json;
    expect(typed.cells).toHaveLength(5);
    expect(json.nbformat).toBe(4);
    expect(json.nbformat_minor).toBe(5);
    const again = NotebookModel.parse(JSON.parse(JSON.stringify(json)), { newUuid: false });
    expect(again.toJson()).toEqual(json);
  });

  it('does not share state with the input', () => {
    const input = nb([code('a')], { extra: { deep: 1 } }) as { metadata: { extra: { deep: number } } };
    const model = NotebookModel.parse(input, { newUuid: true });
    input.metadata.extra.deep = 2;
    expect(model.metadata.extra).toEqual({ deep: 1 });
  });

  it('rejects invalid notebooks with NotebookFormatError', () => {
    expect(() => NotebookModel.parse({ nbformat: 3 }, { newUuid: true })).toThrow(NotebookFormatError);
  });

  it('creates empty notebooks', () => {
    const model = NotebookModel.empty();
    expect(model.toJson()).toEqual({
      cells: [],
      metadata: { jupyter_d1: { uuid: model.uuid } },
      nbformat: 4,
      nbformat_minor: 5,
    });
  });
});

describe('cell operations', () => {
  let model: NotebookModel;
  let ids: string[];
  beforeEach(() => {
    model = open([code('a'), code('b'), md('c'), code('d')]);
    ids = model.cellUuids();
  });

  it('adds cells at the end or before another, with defaults', () => {
    const added = model.addCell();
    expect(added).toMatchObject({ cell_type: 'code', source: '', outputs: [], execution_count: null });
    expect(added.metadata.jupyter_d1).toMatchObject({ position: 4, execution_state: 'idle' });
    model.addCell({ cell_type: 'markdown', source: 'first', before: ids[0] });
    model.addCell({ cell_type: 'raw', source: 'mid', before: ids[2] });
    expect(layout(model)).toEqual(['first', 'a', 'b', 'mid', 'c', 'd', '']);
    expect(model.getCell(model.cellUuids()[3])).not.toHaveProperty('outputs');
  });

  it('deletes cells and renumbers', () => {
    model.deleteCell(ids[1]);
    expect(layout(model)).toEqual(['a', 'c', 'd']);
    model.deleteCell(ids[0]);
    model.deleteCell(ids[3]);
    expect(layout(model)).toEqual(['c']);
  });

  it.each([
    ['to the end', 0, undefined, ['b', 'c', 'd', 'a']],
    ['before the first', 3, 0, ['d', 'a', 'b', 'c']],
    ['down before a later cell', 0, 2, ['b', 'a', 'c', 'd']],
    ['up before an earlier cell', 2, 1, ['a', 'c', 'b', 'd']],
  ])('moves a cell %s', (_name, from, before, expected) => {
    expect(model.moveCell(ids[from], before === undefined ? undefined : ids[before])).toBe(true);
    expect(layout(model)).toEqual(expected);
  });

  it.each([
    ['before itself', 1, 1],
    ['before its successor', 1, 2],
    ['the last cell to the end', 3, undefined],
  ])('leaves a move %s alone', (_name, from, before) => {
    const version = model.version;
    expect(model.moveCell(ids[from], before === undefined ? undefined : ids[before])).toBe(false);
    expect(layout(model)).toEqual(['a', 'b', 'c', 'd']);
    expect(model.version).toBe(version);
  });

  it('patches source and type with d1 output rules', () => {
    model.appendStream(ids[0], 'stdout', 'out\n');
    model.setExecutionCount(ids[0], 3);
    expect(model.patchCell(ids[0], { source: 'a2' })).toMatchObject({ source: 'a2', execution_count: 3 });
    expect((model.getCell(ids[0]) as { outputs: unknown[] }).outputs).toHaveLength(1);
    const asMd = model.patchCell(ids[0], { cell_type: 'markdown' });
    expect(asMd).not.toHaveProperty('outputs');
    expect(asMd).not.toHaveProperty('execution_count');
    const back = model.patchCell(ids[0], { cell_type: 'code', source: 'z' });
    expect(back).toMatchObject({ cell_type: 'code', source: 'z', outputs: [], execution_count: null });
    expect(model.patchCell(ids[2], { cell_type: 'raw' }).cell_type).toBe('raw');
  });

  it('clears a cell and all cells without recording undo', () => {
    model.appendStream(ids[0], 'stdout', 'x');
    model.setExecutionCount(ids[0], 1);
    model.setExecutionState(ids[0], 'busy');
    expect(model.clearCell(ids[0])).toMatchObject({ outputs: [], execution_count: null });
    expect(model.getCell(ids[0]).metadata.jupyter_d1?.execution_state).toBe('idle');
    model.appendStream(ids[3], 'stdout', 'y');
    model.clearAll();
    expect(model.cellsJson().map((c) => ('outputs' in c ? c.outputs.length : 0))).toEqual([0, 0, 0, 0]);
    expect(model.undoDepth).toEqual({ undo: 0, redo: 0 });
  });

  type Op = [string, (m: NotebookModel) => unknown];
  const missing = U(404);
  const unknownOps: Op[] = [
    ['patchCell', (m) => m.patchCell(missing, { source: 'x' })],
    ['deleteCell', (m) => m.deleteCell(missing)],
    ['moveCell', (m) => m.moveCell(missing)],
    ['moveCell before', (m) => m.moveCell(m.cellUuids()[0], missing)],
    ['addCell before', (m) => m.addCell({ before: missing })],
    ['mergeCell', (m) => m.mergeCell(missing)],
    ['splitCell', (m) => m.splitCell(missing, 1)],
    ['clearCell', (m) => m.clearCell(missing)],
    ['getCell', (m) => m.getCell(missing)],
    ['appendStream', (m) => m.appendStream(missing, 'stdout', 'x')],
    ['startExecution', (m) => m.startExecution(missing)],
    ['setExecutionState', (m) => m.setExecutionState(missing, 'busy')],
  ];
  it.each(unknownOps)('%s with an unknown uuid throws CellNotFoundError and changes nothing', (_name, op) => {
    const before = model.toJson();
    const version = model.version;
    expect(() => op(model)).toThrow(new CellNotFoundError(missing));
    expect(() => op(model)).toThrow(`Cell not found with uuid: ${missing}`);
    expect(model.toJson()).toEqual(before);
    expect(model.version).toBe(version);
  });

  const badInput: Op[] = [
    ['addCell type', (m) => m.addCell({ cell_type: 'python' as 'code' })],
    ['addCell source', (m) => m.addCell({ source: 3 as unknown as string })],
    ['patchCell type', (m) => m.patchCell(m.cellUuids()[0], { cell_type: 'x' as 'code' })],
    ['splitCell location', (m) => m.splitCell(m.cellUuids()[0], NaN)],
    ['setExecutionState', (m) => m.setExecutionState(m.cellUuids()[0], 'done' as 'idle')],
    ['setExecutionCount', (m) => m.setExecutionCount(m.cellUuids()[0], -1)],
    ['addCell options', (m) => m.addCell(null as unknown as object)],
    ['patchCell patch', (m) => m.patchCell(m.cellUuids()[0], null as unknown as object)],
    ['setMetadata', (m) => m.setMetadata({ nan: NaN })],
  ];
  it.each(badInput)('%s with bad input throws NotebookFormatError', (_name, op) => {
    const before = model.toJson();
    expect(() => op(model)).toThrow(NotebookFormatError);
    expect(model.toJson()).toEqual(before);
  });
});
