import { NotebookModel, type CellJson, type CodeCellJson } from './index';

/** A notebook opened from a file whose code cells have outputs; its undo history starts empty. */
function setup(sources: Array<[string, 'code' | 'markdown' | 'raw']>) {
  const cells = sources.map(([source, cell_type], i) =>
    cell_type === 'code'
      ? {
          cell_type,
          source,
          metadata: {},
          execution_count: i,
          outputs: [
            { output_type: 'stream', name: 'stdout', text: `out ${i}\n` },
            {
              output_type: 'execute_result',
              execution_count: i,
              data: { 'text/plain': `${i}` },
              metadata: {},
            },
          ],
        }
      : { cell_type, source, metadata: {} },
  );
  const model = NotebookModel.parse(
    { cells, metadata: {}, nbformat: 4, nbformat_minor: 5 },
    { newUuid: true },
  );
  return { model, ids: model.cellUuids() };
}

const fresh = () =>
  setup([
    ['a', 'code'],
    ['b', 'code'],
    ['# c', 'markdown'],
    ['d', 'code'],
  ]);
const sources = (model: NotebookModel) => model.cellsJson().map((cell) => cell.source);
const outputs = (cell: CellJson) => (cell as CodeCellJson).outputs;

describe('mergeCell', () => {
  it.each<[string, number, boolean, string[], number]>([
    ['first cell with the one below', 0, false, ['a\nb', '# c', 'd'], 0],
    ['last cell with the one above', 3, true, ['a', 'b', '# c\nd'], 2],
    ['middle cell with the one above', 1, true, ['a\nb', '# c', 'd'], 0],
    ['markdown cell with code below', 2, false, ['a', 'b', '# c\nd'], 2],
  ])('merges the %s', (_name, index, above, expected, position) => {
    const { model, ids } = fresh();
    const before = model.getCell(ids[index]);
    expect(model.mergeCell(ids[index], above)).toBe(true);
    expect(sources(model)).toEqual(expected);
    const merged = model.getCell(ids[index]);
    expect(merged.cell_type).toBe(before.cell_type);
    expect(merged.metadata.jupyter_d1?.position).toBe(position);
    if (merged.cell_type === 'code') expect(outputs(merged)).toEqual(outputs(before));
    expect(model.cellsJson().map((c) => c.metadata.jupyter_d1?.position)).toEqual([0, 1, 2]);
    expect(model.hasCell(ids[above ? index - 1 : index + 1])).toBe(false);
  });

  it.each<[string, number, boolean]>([
    ['first cell upwards', 0, true],
    ['last cell downwards', 3, false],
  ])('does nothing for the %s', (_name, index, above) => {
    const { model, ids } = fresh();
    const before = model.toJson();
    const version = model.version;
    expect(model.mergeCell(ids[index], above)).toBe(false);
    expect(model.toJson()).toEqual(before);
    expect(model.version).toBe(version);
    expect(model.undoDepth.undo).toBe(0);
  });

  it('joins empty sources with a newline, as d1 does', () => {
    const { model, ids } = setup([
      ['', 'code'],
      ['', 'code'],
      ['x', 'code'],
    ]);
    model.mergeCell(ids[0]);
    expect(sources(model)).toEqual(['\n', 'x']);
  });
});

describe('splitCell', () => {
  it.each<[string, string, number, [string, string]]>([
    ['in the middle', 'abcdef', 2, ['ab', 'cdef']],
    ['at 0', 'abc', 0, ['', 'abc']],
    ['at the length', 'abc', 3, ['abc', '']],
    ['past the end (clamped)', 'abc', 99, ['abc', '']],
    ['before the start (clamped)', 'abc', -4, ['', 'abc']],
    ['a fraction (truncated)', 'abc', 1.7, ['a', 'bc']],
    ['an empty source', '', 0, ['', '']],
    ['counting code points', 'a😀b', 2, ['a😀', 'b']],
  ])('splits %s', (_name, source, location, [head, tail]) => {
    const { model, ids } = setup([
      ['first', 'code'],
      [source, 'code'],
      ['last', 'markdown'],
    ]);
    const original = model.getCell(ids[1]);
    const added = model.splitCell(ids[1], location);
    expect(sources(model)).toEqual(['first', head, tail, 'last']);
    expect(model.cellUuids()).toEqual([ids[0], ids[1], added.id, ids[2]]);
    expect(added).toMatchObject({ cell_type: 'code', outputs: [], execution_count: null });
    expect(added.metadata.jupyter_d1?.position).toBe(2);
    expect(outputs(model.getCell(ids[1]))).toEqual(outputs(original));
  });

  it('keeps the type of the cell', () => {
    const { model, ids } = setup([['# title\nbody', 'markdown']]);
    const added = model.splitCell(ids[0], 8);
    expect(added).toEqual({
      id: added.id,
      cell_type: 'markdown',
      source: 'body',
      metadata: {
        jupyter_d1: { uuid: added.id, notebook_uuid: model.uuid, position: 1, execution_state: 'idle' },
      },
    });
    expect(model.getCell(ids[0]).source).toBe('# title\n');
  });

  it('splits the last cell', () => {
    const { model, ids } = fresh();
    model.splitCell(ids[3], 0);
    expect(sources(model)).toEqual(['a', 'b', '# c', '', 'd']);
  });
});

describe('undo and redo', () => {
  type Step = [string, (model: NotebookModel, ids: string[]) => unknown];
  const steps: Step[] = [
    ['add at the end', (m) => m.addCell({ source: 'e' })],
    ['add before the first', (m, ids) => m.addCell({ cell_type: 'raw', source: 'r', before: ids[0] })],
    ['patch a source', (m, ids) => m.patchCell(ids[1], { source: 'B' })],
    ['code to markdown (drops outputs)', (m, ids) => m.patchCell(ids[0], { cell_type: 'markdown' })],
    ['markdown to code', (m, ids) => m.patchCell(ids[2], { cell_type: 'code', source: 'c = 1' })],
    ['move down', (m, ids) => m.moveCell(ids[0], ids[3])],
    ['move to the end', (m, ids) => m.moveCell(ids[1])],
    ['merge below', (m) => m.mergeCell(m.cellUuids()[m.cellCount - 2])],
    ['merge above', (m, ids) => m.mergeCell(ids[2], true)],
    ['split', (m, ids) => m.splitCell(ids[2], 3)],
    ['delete', (m, ids) => m.deleteCell(ids[3])],
    ['delete the first', (m) => m.deleteCell(m.cellUuids()[0])],
  ];

  it('walks a chain of edits back and forth with exact cells at every step', () => {
    const { model, ids } = fresh();
    const states = [model.toJson()];
    for (const [, step] of steps) {
      step(model, ids);
      states.push(model.toJson());
    }
    expect(model.undoDepth).toEqual({ undo: steps.length, redo: 0 });
    for (let i = steps.length - 1; i >= 0; i--) {
      expect(model.undo()).toBe(true);
      expect(model.toJson()).toEqual(states[i]);
    }
    expect(model.undo()).toBe(false);
    for (let i = 1; i <= steps.length; i++) {
      expect(model.redo()).toBe(true);
      expect(model.toJson()).toEqual(states[i]);
    }
    expect(model.redo()).toBe(false);
    expect(model.undoDepth).toEqual({ undo: steps.length, redo: 0 });
  });

  it.each(steps)('round-trips "%s" exactly', (_name, step) => {
    const { model, ids } = fresh();
    const before = model.toJson();
    step(model, ids);
    const after = model.toJson();
    expect(after).not.toEqual(before);
    model.undo();
    expect(model.toJson()).toEqual(before);
    model.redo();
    expect(model.toJson()).toEqual(after);
  });

  it('brings a deleted cell back with its uuid, content and outputs at its position', () => {
    const { model, ids } = fresh();
    const cell = model.getCell(ids[1]);
    model.deleteCell(ids[1]);
    model.undo();
    expect(model.getCell(ids[1])).toEqual(cell);
    expect(outputs(cell)).toHaveLength(2);
  });

  it('undoes a merge as a split that restores both cells, outputs included', () => {
    const { model, ids } = fresh();
    const [a, b] = [model.getCell(ids[0]), model.getCell(ids[1])];
    model.mergeCell(ids[0]);
    model.undo();
    expect(model.getCell(ids[0])).toEqual(a);
    expect(model.getCell(ids[1])).toEqual(b);
  });

  it('undoes a split as a merge that restores the cell', () => {
    const { model, ids } = fresh();
    const before = model.toJson();
    const added = model.splitCell(ids[3], 0);
    model.undo();
    expect(model.hasCell(added.id)).toBe(false);
    expect(model.toJson()).toEqual(before);
  });

  it('keeps live outputs when undoing a source edit', () => {
    const { model, ids } = fresh();
    model.patchCell(ids[0], { source: 'new' });
    model.startExecution(ids[0]);
    model.appendStream(ids[0], 'stdout', 'fresh');
    model.undo();
    expect(model.getCell(ids[0])).toMatchObject({ source: 'a', outputs: [{ text: 'fresh' }] });
  });

  it('is a no-op with empty stacks', () => {
    const { model } = fresh();
    expect(model.undo()).toBe(false);
    expect(model.redo()).toBe(false);
    expect(model.version).toBe(fresh().model.version);
  });

  it('does not clear the redo stack on a new edit (as in d1)', () => {
    const { model, ids } = fresh();
    model.patchCell(ids[0], { source: 'x' });
    model.undo();
    model.addCell({ source: 'new' });
    expect(model.redo()).toBe(true);
    expect(sources(model)).toEqual(['x', 'b', '# c', 'd', 'new']);
  });

  it('resets both stacks instead of failing when a redo no longer applies', () => {
    const { model, ids } = fresh();
    model.patchCell(ids[1], { source: 'x' });
    model.addCell();
    model.undo();
    model.undo();
    model.deleteCell(ids[1]);
    const before = model.toJson();
    const version = model.version;
    expect(model.redo()).toBe(false);
    expect(model.toJson()).toEqual(before);
    expect(model.version).toBe(version);
    expect(model.undoDepth).toEqual({ undo: 0, redo: 0 });
    expect(model.undo()).toBe(false);
  });

  it('resets when a redone merge meets a neighbour that is already gone', () => {
    const { model, ids } = fresh();
    model.mergeCell(ids[0]);
    model.undo();
    model.mergeCell(ids[0]);
    expect(model.redo()).toBe(false);
    expect(sources(model)).toEqual(['a\nb', '# c', 'd']);
  });

  it('does not record clears', () => {
    const { model, ids } = fresh();
    model.clearCell(ids[0]);
    model.clearAll();
    expect(model.undoDepth).toEqual({ undo: 0, redo: 0 });
  });

  it('keeps at most undoLimit edits', () => {
    const model = NotebookModel.empty({ undoLimit: 3 });
    for (let i = 0; i < 5; i++) model.addCell({ source: `${i}` });
    let undone = 0;
    while (model.undo()) undone++;
    expect(undone).toBe(3);
    expect(sources(model)).toEqual(['0', '1']);
  });
});
