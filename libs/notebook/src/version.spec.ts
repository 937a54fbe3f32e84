import { NotebookModel, type CellJson } from './index';
import { code, md, open } from './spec-helpers';

describe('version', () => {
  it('grows by exactly one with every change and not with reads', () => {
    const model = open([code('a'), code('b')]);
    const [a, b] = model.cellUuids();
    const changes: Array<(m: NotebookModel) => unknown> = [
      (m) => m.addCell(),
      (m) => m.patchCell(a, { source: 'x' }),
      (m) => m.moveCell(a),
      (m) => m.splitCell(a, 0),
      (m) => m.mergeCell(a),
      (m) => m.undo(),
      (m) => m.redo(),
      (m) => m.setExecutionState(b, 'pending'),
      (m) => m.startExecution(b),
      (m) => m.appendStream(b, 'stdout', 'hi'),
      (m) => m.setExecutionCount(b, 1),
      (m) => m.clearCell(b),
      (m) => m.clearAll(),
      (m) => m.setMetadata({ x: 1 }),
      (m) => m.deleteCell(b),
    ];
    const reads: Array<(m: NotebookModel) => unknown> = [
      (m) => m.toJson(),
      (m) => m.getCell(a),
      (m) => m.cellsJson(),
      (m) => m.metadata,
    ];
    for (const change of changes) {
      const version = model.version;
      for (const read of reads) read(model);
      expect(model.version).toBe(version);
      change(model);
      expect(model.version).toBe(version + 1);
    }
  });

  it('does not move for no-ops', () => {
    const model = open([code('a')]);
    const [a] = model.cellUuids();
    model.mergeCell(a);
    model.mergeCell(a, true);
    model.undo();
    model.redo();
    model.appendStream(a, 'stdout', '\r');
    model.patchCell(a, { source: 'a' });
    expect(model.version).toBe(0);
  });
});

describe('a 5,000-cell notebook', () => {
  it('parses, takes 1,000 patches and serialises', () => {
    const cells = Array.from({ length: 5000 }, (_, i) =>
      i % 5 === 0
        ? md(`# ${i}`)
        : code(`x = ${i}`, { outputs: [{ output_type: 'stream', name: 'stdout', text: `${i}\n` }] }),
    );
    const started = Date.now();
    const model = open(cells);
    const uuids = model.cellUuids();
    for (let i = 0; i < 1000; i++) model.patchCell(uuids[(i * 7) % 5000], { source: `patched ${i}` });
    const json = model.toJson();
    console.log(`5,000 cells: parse + 1,000 patches + toJson in ${Date.now() - started} ms`);
    expect(json.cells).toHaveLength(5000);
    expect(json.cells[7].source).toBe('patched 1');
    expect(json.cells[4999].metadata.jupyter_d1?.position).toBe(4999);
    expect((json.cells[1] as CellJson & { outputs: unknown[] }).outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: '1\n' },
    ]);
    expect(model.version).toBe(1000);
  });
});
