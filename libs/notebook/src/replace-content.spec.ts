import { NotebookFormatError } from './index';
import { code, md, nb, open } from './spec-helpers';

describe('NotebookModel.replaceContent (reload from disk)', () => {
  it('replaces cells and metadata, keeps the uuid, starts undo over and bumps the version', () => {
    const model = open([code('a = 1'), code('b = 2')]);
    model.patchCell(model.cellUuids()[0], { source: 'a = 10' });
    const { uuid, version } = model;
    model.replaceContent(nb([md('# new'), code('c = 3')], { colour: 'blue' }));
    expect(model.uuid).toBe(uuid);
    expect(model.version).toBeGreaterThan(version);
    expect(model.cellsJson().map((c) => [c.cell_type, c.source])).toEqual([
      ['markdown', '# new'],
      ['code', 'c = 3'],
    ]);
    expect(model.metadata).toMatchObject({ colour: 'blue', jupyter_d1: { uuid } });
    expect(model.undoDepth).toEqual({ undo: 0, redo: 0 });
  });

  it('keeps cell uuids the file carries', () => {
    const model = open([code('a = 1')]);
    const [first] = model.cellsJson();
    model.replaceContent(nb([{ ...first, source: 'a = 2' }, code('new')]));
    expect(model.cellUuids()[0]).toBe(first.id);
    expect(model.getCell(first.id).source).toBe('a = 2');
  });

  it('changes nothing when the notebook is invalid', () => {
    const model = open([code('kept')]);
    const version = model.version;
    expect(() => model.replaceContent(nb([{ cell_type: 'bogus', source: 'x', metadata: {} }]))).toThrow(
      NotebookFormatError,
    );
    expect(model.cellsJson().map((c) => c.source)).toEqual(['kept']);
    expect(model.version).toBe(version);
  });
});
