/* eslint-disable @typescript-eslint/no-explicit-any */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { useD1, waitFor } from './support/d1';
import { makeNotebook, readJson, sources, uploadAndOpen, waitForFile } from './support/notebooks';
import { WsRecorder } from './support/ws';
import { checkFeedSchemas } from './support/ws-schemas';

/**
 * SPEC §6: when someone else changes an open notebook's file (WebDAV, an editor), clients get
 * `notebook_file_changed`, autosave never overwrites that version, and `POST /notebooks/{uuid}/reload` loads it.
 */
describe('external edits of open notebooks', () => {
  checkFeedSchemas();
  const d1 = useD1();
  const clients: WsRecorder[] = [];
  const davAuth = () => `Basic ${Buffer.from(`me:${d1.secret}`).toString('base64')}`;

  d1.beforeClose(async () => {
    for (const c of clients) c.close();
  });

  interface Opened {
    uuid: string;
    file: string;
    ws: WsRecorder;
    cellIds: string[];
  }

  /** Opens a notebook saved as `name`, with a websocket client, once d1's first autosave is on disk. */
  async function open(name: string, cells: string[]): Promise<Opened> {
    const nb = await uploadAndOpen(d1, `filename=${name}`, makeNotebook(cells));
    const uuid = nb.metadata.jupyter_d1.uuid as string;
    const file = path.join(d1.rootDir, name);
    await waitFor(() => existsSync(file) && readJson(file).metadata?.jupyter_d1?.uuid === uuid, 'first save');
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await d1.token(),
    }).ready();
    clients.push(ws);
    return { uuid, file, ws, cellIds: nb.cells.map((c: any) => c.id) };
  }

  /** The notebook on disk with new sources for its cells (and any extra cells), as an editor would save it. */
  function edited(file: string, newSources: string[]): any {
    const nb = readJson(file);
    nb.cells = newSources.map((source, i) => {
      const cell = nb.cells[i] ?? { cell_type: 'code', metadata: {}, outputs: [], execution_count: null };
      return { ...cell, id: cell.id ?? `new-${i}`, source };
    });
    return nb;
  }

  const changed = (o: Opened) => o.ws.of('notebook_file_changed');
  // Two polls of 200 ms, but a loaded machine may hold the poll's timer and the file's read back for seconds.
  const untilChanged = (o: Opened, n: number) =>
    o.ws.until(() => changed(o).length >= n, `${n} notebook_file_changed`, 30_000);
  const patch = (o: Opened, cell: number, source: string) =>
    d1.request('PATCH', `/notebooks/${o.uuid}/cells/${o.cellIds[cell]}`, { body: { source } });
  const reload = (o: Opened) => d1.request('POST', `/notebooks/${o.uuid}/reload`);

  /**
   * Resolves after the change poll has looked at every open notebook at least twice: an editor-style write to
   * `probe` is reported only once two polls saw it, so nothing else can still be pending by then.
   */
  async function twoPolls(probe: Opened): Promise<void> {
    const before = changed(probe).length;
    writeFileSync(probe.file, JSON.stringify(edited(probe.file, [`probe ${before}`])));
    await untilChanged(probe, before + 1);
    expect((await reload(probe)).status).toBe(200);
  }

  let probe: Opened;
  beforeAll(async () => {
    probe = await open('probe.ipynb', ['probe']);
  });

  it("never reports d1's own autosaves", async () => {
    const o = await open('own.ipynb', ['a = 1', 'b = 2']);
    for (let i = 0; i < 10; i++) expect((await patch(o, i % 2, `x = ${i}`)).status).toBe(200);
    await waitForFile(o.file, (nb) => sources(nb).join() === 'x = 8,x = 9', 'the last edit on disk');
    await twoPolls(probe);
    expect(changed(o)).toEqual([]);
  });

  it('reports a WebDAV PUT once; reload brings the new cells, same uuid and kernel', async () => {
    const o = await open('dav.ipynb', ['x = 41', 'print("old")']);
    const run = await d1.request('POST', `/notebooks/${o.uuid}/cells/${o.cellIds[0]}/execute`);
    expect(run.status).toBe(200);
    // Settled first: an autosave held back after the PUT would rightly tell clients a second time.
    await waitForFile(o.file, (nb) => nb.cells[0].execution_count === 1, 'x = 41 ran and was saved');
    await twoPolls(probe);

    const put = await d1.request('PUT', '/dav/dav.ipynb', {
      auth: davAuth(),
      raw: JSON.stringify(edited(o.file, ['y = x + 1', 'print("new")', 'y'])),
    });
    expect(put.status).toBeLessThan(300);
    await untilChanged(o, 1);
    expect(changed(o)).toEqual([{ path: o.file }]);

    const res = await reload(o);
    expect(res.status).toBe(200);
    expect(sources(res.json.notebook)).toEqual(['y = x + 1', 'print("new")', 'y']);
    expect(res.json.notebook.metadata.jupyter_d1.uuid).toBe(o.uuid);
    await o.ws.until((m) => m.some((x) => x.notebook_snapshot), 'the reloaded notebook on the websocket');
    const snapshot = o.ws.of('notebook_snapshot').at(-1);
    expect(sources(snapshot.notebook)).toEqual(['y = x + 1', 'print("new")', 'y']);
    expect((await d1.request('GET', `/notebooks/${o.uuid}`)).json.notebook).toEqual(res.json.notebook);

    // The same kernel: `x` from before the reload is still defined.
    const cells = res.json.notebook.cells;
    await d1.request('POST', `/notebooks/${o.uuid}/cells/${cells[0].id}/execute`);
    await d1.request('POST', `/notebooks/${o.uuid}/cells/${cells[2].id}/execute`);
    await o.ws.until(
      (m) => m.some((x) => x.cell_update?.[0]?.outputs?.[0]?.data?.['text/plain'] === '42'),
      'y = 42 from the kept kernel',
    );
    await twoPolls(probe);
    expect(changed(o)).toHaveLength(1);
  });

  it('reports an editor-style write; autosave holds off, clients are told, reload resolves it', async () => {
    const o = await open('editor.ipynb', ['a = 1', 'b = 2']);
    const external = JSON.stringify(edited(o.file, ['from the editor', 'b = 2']), null, 2);
    writeFileSync(o.file, external);
    await untilChanged(o, 1);

    expect((await patch(o, 1, 'edited in d1')).status).toBe(200);
    await untilChanged(o, 2);
    expect((await patch(o, 1, 'edited in d1 again')).status).toBe(200);
    await twoPolls(probe);
    expect(changed(o)).toEqual([{ path: o.file }, { path: o.file }]);
    expect(readFileSync(o.file, 'utf8')).toBe(external);

    const res = await reload(o);
    expect(sources(res.json.notebook)).toEqual(['from the editor', 'b = 2']);
    expect((await patch(o, 1, 'saved again')).status).toBe(200);
    await waitForFile(o.file, (nb) => sources(nb).join() === 'from the editor,saved again', 'autosave');
    await twoPolls(probe);
    expect(changed(o)).toHaveLength(2);
  });

  it('refuses to reload an invalid file, saying where, and changes nothing', async () => {
    const o = await open('invalid.ipynb', ['kept']);
    const bad = edited(o.file, ['broken']);
    bad.cells[0].cell_type = 'bogus';
    writeFileSync(o.file, JSON.stringify(bad));
    await untilChanged(o, 1);
    const res = await reload(o);
    expect(res.status).toBe(400);
    expect(res.json.error).toBeDefined();
    expect(res.json.detail).toMatch(/cells\[0\]/);

    writeFileSync(o.file, '{"not": "closed"');
    await untilChanged(o, 2);
    expect((await reload(o)).json).toMatchObject({ detail: expect.stringMatching(/not valid JSON/) });
    expect(sources((await d1.request('GET', `/notebooks/${o.uuid}`)).json.notebook)).toEqual(['kept']);
  });

  it('does not recreate a file deleted through WebDAV; save_as does', async () => {
    const o = await open('deleted.ipynb', ['keep me']);
    expect((await d1.request('DELETE', '/dav/deleted.ipynb', { auth: davAuth() })).status).toBe(200);
    await untilChanged(o, 1);
    expect((await patch(o, 0, 'still here')).status).toBe(200);
    await untilChanged(o, 2);
    expect(existsSync(o.file)).toBe(false);
    expect((await reload(o)).status).toBe(404);

    const saved = await d1.request('PATCH', `/notebooks/${o.uuid}/save_as?filename=deleted.ipynb`);
    expect(saved.status).toBe(200);
    await waitForFile(o.file, (nb) => sources(nb).join() === 'still here', 'save_as');
  });

  it('needs write access to reload', async () => {
    const readOnly = await d1.token({ read_access: true, write_access: false });
    const res = await d1.request('POST', `/notebooks/${probe.uuid}/reload`, { auth: `Bearer ${readOnly}` });
    expect(res.status).toBe(403);
    expect((await d1.request('GET', `/notebooks/${probe.uuid}/reload`)).status).toBe(200);
  });
});
