import { join } from 'node:path';
import { NotebookEvents } from '../apps/d1/src/events/notebook-events';
import { NotebooksService } from '../apps/d1/src/notebooks/notebooks.service';
import { useD1 } from './support/d1';
import {
  cellUuids,
  closeAll,
  makeNotebook,
  sources,
  uploadAndOpen,
  validateNotebookFile,
  waitForFile,
} from './support/notebooks';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('cells REST API', () => {
  const d1 = useD1();
  let emitted: Array<[string, any]>;
  let uuid: string;
  let file: string;
  let counter = 0;

  beforeAll(async () => {
    const events = d1.app.get(NotebookEvents);
    const original = events.emit.bind(events);
    jest.spyOn(events, 'emit').mockImplementation((id, message, opts) => {
      emitted.push([id, message]);
      return original(id, message, opts);
    });
  });
  beforeEach(async () => {
    counter += 1;
    const output = { output_type: 'stream', name: 'stdout', text: 'out\n' };
    const nb = await uploadAndOpen(
      d1,
      `filename=cells${counter}`,
      makeNotebook([
        { source: 'a = 1\nb = 2', outputs: [output] },
        { cell_type: 'markdown', source: '# md' },
        'c = 3',
      ]),
    );
    uuid = nb.metadata.jupyter_d1.uuid;
    file = join(d1.rootDir, `cells${counter}.ipynb`);
    emitted = [];
  });
  afterEach(async () => {
    await closeAll(d1);
  });

  const cells = async (): Promise<any[]> => (await d1.request('GET', `/notebooks/${uuid}/cells`)).json.cells;
  const messages = () => emitted.filter(([id]) => id === uuid).map(([, m]) => m);
  const call = (method: string, path: string, opts = {}) =>
    d1.request(method, `/notebooks/${uuid}${path}`, opts);
  const fileMatches = (expected: any[]) =>
    waitForFile(
      file,
      (nb) =>
        JSON.stringify(cellUuids(nb)) === JSON.stringify(cellUuids({ cells: expected })) &&
        JSON.stringify(sources(nb)) === JSON.stringify(sources({ cells: expected })),
      'the file to follow the cells',
    );

  it('lists and gets cells; unknown cells are 404 CELL_NOT_FOUND', async () => {
    const all = await cells();
    expect(all.map((c) => c.metadata.jupyter_d1.position)).toEqual([0, 1, 2]);
    const one = await call('GET', `/cells/${all[1].id}`);
    expect(one.json).toEqual({ cell: all[1] });
    const missing = '9f0e6c1a-0000-4000-8000-000000000000';
    expect((await call('GET', `/cells/${missing}`)).json).toEqual({
      error: 'CELL_NOT_FOUND',
      reason: `Cell not found with uuid: ${missing}`,
      detail: null,
    });
    expect((await call('GET', '/cells/nope')).status).toBe(422);
  });

  it('adds cells at the end or before another, broadcasting all cells', async () => {
    const added = await call('POST', '/cells', { body: {} });
    expect(added.status).toBe(201);
    expect(added.json.cell).toMatchObject({
      cell_type: 'code',
      source: '',
      outputs: [],
      execution_count: null,
    });
    expect(added.json.cell.metadata.jupyter_d1).toEqual({
      uuid: added.json.cell.id,
      notebook_uuid: uuid,
      position: 3,
      execution_state: 'idle',
    });
    const first = (await cells())[0].id;
    const md = await call('POST', '/cells', {
      body: { cell_type: 'markdown', source: 'hello', before: first },
    });
    expect(md.json.cell.metadata.jupyter_d1.position).toBe(0);
    const now = await cells();
    expect(messages().at(-1)).toEqual({ cell_add: now });
    expect(sources({ cells: now })).toEqual(['hello', 'a = 1\nb = 2', '# md', 'c = 3', '']);
    const onDisk = await fileMatches(now);
    expect(onDisk.cells[0]).toMatchObject({ cell_type: 'markdown', id: md.json.cell.id });
    expect((await call('POST', '/cells', { body: { cell_type: 'weird' } })).status).toBe(422);
    expect((await call('POST', '/cells', { body: { source: 5 } })).json.detail[0].loc).toEqual([
      'body',
      'source',
    ]);
    expect((await call('POST', '/cells', { body: [] })).status).toBe(422);
  });

  it('patches source and type, keeping outputs; broadcasts the one cell', async () => {
    const [code, md] = await cells();
    const res = await call('PATCH', `/cells/${code.id}`, { body: { source: 'a = 10' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ cell: { ...code, source: 'a = 10' }, patch: null });
    expect(messages()).toEqual([{ cell_update: [res.json.cell] }]);
    const toCode = await call('PATCH', `/cells/${md.id}`, { body: { cell_type: 'code' } });
    expect(toCode.json.cell).toMatchObject({
      cell_type: 'code',
      source: '# md',
      outputs: [],
      execution_count: null,
    });
    const onDisk = await fileMatches(await cells());
    expect(onDisk.cells[0].outputs).toEqual(code.outputs);
    expect(onDisk.cells[1].cell_type).toBe('code');
    expect((await call('PATCH', `/cells/${md.id}`, { body: { cell_type: 'nope' } })).status).toBe(422);
  });

  it('deletes a cell, broadcasting the remaining cells; undo brings it back with its uuid', async () => {
    const before = await cells();
    expect((await call('DELETE', `/cells/${before[1].id}`)).status).toBe(204);
    const after = await cells();
    expect(after.map((c) => c.id)).toEqual([before[0].id, before[2].id]);
    expect(after.map((c) => c.metadata.jupyter_d1.position)).toEqual([0, 1]);
    expect(messages()).toEqual([{ cell_delete: after }]);
    await fileMatches(after);
    expect((await call('GET', '/undo')).status).toBe(204);
    expect(await cells()).toEqual(before);
    expect(messages().at(-1)).toEqual({ cell_add: before });
    await fileMatches(before);
    expect((await call('POST', '/redo')).status).toBe(204);
    expect(messages().at(-1)).toEqual({ cell_delete: after });
    expect(await cells()).toEqual(after);
  });

  it('moves cells before another or to the end, by GET or POST', async () => {
    const [a, b, c] = await cells();
    expect((await call('GET', `/cells/${c.id}/move?before=${a.id}`)).status).toBe(204);
    let now = await cells();
    expect(now.map((x) => x.id)).toEqual([c.id, a.id, b.id]);
    expect(messages().at(-1)).toEqual({ cell_update: now });
    expect((await call('POST', `/cells/${c.id}/move`)).status).toBe(204);
    now = await cells();
    expect(now.map((x) => x.id)).toEqual([a.id, b.id, c.id]);
    await fileMatches(now);
    expect((await call('GET', `/cells/${c.id}/move?before=bad`)).status).toBe(422);
  });

  it('merges with the neighbour below or above; undo restores exactly, redo merges again', async () => {
    const before = await cells();
    const [a, b, c] = before;
    expect((await call('GET', `/cells/${a.id}/merge`)).status).toBe(204);
    let now = await cells();
    expect(now.map((x) => x.id)).toEqual([a.id, c.id]);
    expect(now[0]).toMatchObject({ source: 'a = 1\nb = 2\n# md', cell_type: 'code', outputs: a.outputs });
    expect(messages().at(-1)).toEqual({ cell_delete: now });
    await fileMatches(now);
    expect((await call('GET', '/undo')).status).toBe(204);
    expect(await cells()).toEqual(before);
    expect(messages().at(-1)).toEqual({ cell_add: before });
    await fileMatches(before);
    expect((await call('GET', '/redo')).status).toBe(204);
    expect(await cells()).toEqual(now);
    await call('GET', '/undo');
    expect((await call('POST', `/cells/${c.id}/merge?above=true`)).status).toBe(204);
    now = await cells();
    expect(now.map((x) => x.id)).toEqual([a.id, c.id]);
    expect(now[1].source).toBe('# md\nc = 3');
    const count = messages().length;
    expect((await call('GET', `/cells/${a.id}/merge?above=1`)).status).toBe(204);
    expect(messages().length).toBe(count);
    expect(b.id).toBeDefined();
  });

  it('splits at a character offset; undo restores exactly; split_location is a required int', async () => {
    const before = await cells();
    const first = before[0];
    expect((await call('GET', `/cells/${first.id}/split?split_location=6`)).status).toBe(204);
    const now = await cells();
    expect(now).toHaveLength(4);
    expect(now[0]).toMatchObject({ id: first.id, source: 'a = 1\n' });
    expect(now[1]).toMatchObject({ cell_type: 'code', source: 'b = 2' });
    expect(now[1].id).not.toBe(first.id);
    expect(messages().at(-1)).toEqual({ cell_update: now });
    await fileMatches(now);
    await call('POST', '/undo');
    expect(await cells()).toEqual(before);
    expect(messages().at(-1)).toEqual({ cell_delete: before });
    await call('POST', '/redo');
    expect(await cells()).toEqual(now);
    for (const q of ['', '?split_location=', '?split_location=abc', '?split_location=1.5']) {
      const res = await call('GET', `/cells/${first.id}/split${q}`);
      expect(res.status).toBe(422);
      expect(res.json.detail[0].loc).toEqual(['query', 'split_location']);
    }
  });

  it('clears one cell or all without saving by themselves', async () => {
    const [a, b, c] = await cells();
    await fileMatches([a, b, c]);
    expect((await call('GET', `/cells/${a.id}/clear`)).status).toBe(204);
    const cleared = (await call('GET', `/cells/${a.id}`)).json.cell;
    expect(cleared).toMatchObject({ outputs: [], execution_count: null });
    expect(messages()).toEqual([{ cell_update: [cleared] }]);
    expect((await call('POST', '/clear_all')).status).toBe(204);
    const all = await cells();
    expect(messages().slice(1)).toEqual(all.map((cell) => ({ cell_update: [cell] })));
    // Clearing schedules no save of its own: nothing is pending, and the file still has the outputs.
    expect(d1.app.get(NotebooksService).get(uuid).saver.pending).toBe(false);
    expect((await validateNotebookFile(file)).cells[0].outputs).toHaveLength(1);
    await call('PATCH', `/cells/${c.id}`, { body: { source: 'c = 4' } });
    await waitForFile(
      file,
      (nb) => nb.cells[0].outputs.length === 0,
      'cleared outputs saved with the next edit',
    );
  });

  it('undo and redo answer 204 with nothing to do, and round-trip a chain of edits', async () => {
    expect((await call('GET', '/undo')).status).toBe(204);
    expect((await call('GET', '/redo')).status).toBe(204);
    expect(messages()).toEqual([]);
    const original = await cells();
    const [a, b, c] = original;
    await call('PATCH', `/cells/${b.id}`, { body: { source: 'changed', cell_type: 'raw' } });
    await call('POST', '/cells', { body: { source: 'new', before: a.id } });
    await call('GET', `/cells/${c.id}/move?before=${a.id}`);
    await call('GET', `/cells/${a.id}/split?split_location=3`);
    await call('GET', `/cells/${b.id}/merge`);
    await call('DELETE', `/cells/${c.id}`);
    const edited = await cells();
    for (let i = 0; i < 6; i++) expect((await call('GET', '/undo')).status).toBe(204);
    expect(await cells()).toEqual(original);
    await fileMatches(original);
    for (let i = 0; i < 6; i++) await call('GET', '/redo');
    expect(await cells()).toEqual(edited);
    await fileMatches(edited);
  });
});
