import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotebookEvents } from '../apps/d1/src/events/notebook-events';
import { NotebooksService } from '../apps/d1/src/notebooks/notebooks.service';
import { JupyterService } from '../apps/d1/src/kernels/jupyter.service';
import { useD1, waitFor } from './support/d1';
import {
  cellUuids,
  closeAll,
  makeNotebook,
  readJson,
  sources,
  uploadAndOpen,
  validateNotebookFile,
  waitForFile,
} from './support/notebooks';

/* eslint-disable @typescript-eslint/no-explicit-any */

const OUTSIDE = { error: 'BAD_REQUEST', reason: 'Path is outside the root directory' };
const fakeR = {
  argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
  display_name: 'Fake R',
  language: 'R',
};

describe('notebooks REST API', () => {
  let events: NotebookEvents;
  let jupyterPath: string;
  let outsideDir: string;
  const serverMessages: any[] = [];
  const savedJupyterPath = process.env.JUPYTER_PATH;

  const d1 = useD1(() => {
    // A second kernel spec with another language, for the kernel spec fallbacks.
    jupyterPath = mkdtempSync(join(tmpdir(), 'd1-jpath-'));
    mkdirSync(join(jupyterPath, 'kernels', 'fake-r'), { recursive: true });
    writeFileSync(join(jupyterPath, 'kernels', 'fake-r', 'kernel.json'), JSON.stringify(fakeR));
    process.env.JUPYTER_PATH = jupyterPath;
    return {};
  });
  beforeAll(async () => {
    events = d1.app.get(NotebookEvents);
    const original = events.emitServer.bind(events);
    jest.spyOn(events, 'emitServer').mockImplementation((m) => {
      // File events share the feed; these tests follow the open-notebooks list.
      if ('notebooks' in m) serverMessages.push(m);
      original(m);
    });
    outsideDir = mkdtempSync(join(tmpdir(), 'd1-outside-'));
    writeFileSync(join(outsideDir, 'victim.ipynb'), JSON.stringify(makeNotebook(['x = 1'])));
  });
  afterAll(async () => {
    if (savedJupyterPath === undefined) delete process.env.JUPYTER_PATH;
    else process.env.JUPYTER_PATH = savedJupyterPath;
    rmSync(jupyterPath, { recursive: true, force: true });
    rmSync(outsideDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await closeAll(d1);
  });

  const writeNb = (rel: string, nb: unknown) => writeFileSync(join(d1.rootDir, rel), JSON.stringify(nb));
  const list = async () => (await d1.request('GET', '/notebooks')).json.notebooks as any[];

  it('creates an empty notebook with its kernel, and saves it', async () => {
    const res = await d1.request('POST', '/notebooks/create?filename=fresh');
    expect(res.status).toBe(201);
    const nb = res.json.notebook;
    const uuid = nb.metadata.jupyter_d1.uuid;
    expect(nb).toEqual({
      cells: [],
      metadata: {
        jupyter_d1: {
          uuid,
          name: 'fresh',
          path: join(d1.rootDir, 'fresh.ipynb'),
          working_directory: d1.rootDir,
        },
        kernelspec: { name: 'python3', language: 'python', display_name: 'Python 3 (ipykernel)' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    });
    const onDisk = await waitForFile(join(d1.rootDir, 'fresh.ipynb'), () => true, 'the created file');
    expect(onDisk.metadata).toEqual(nb.metadata);
    expect(serverMessages.at(-1)).toEqual({ notebooks: [{ uuid, name: 'fresh' }] });
    await waitFor(
      async () => (await d1.request('GET', `/kernels/is_alive/${uuid}`)).json.kernel_is_alive,
      'kernel',
    );
    expect((await d1.request('POST', '/notebooks/create?filename=fresh.ipynb')).json).toEqual({
      error: 'BAD_REQUEST',
      reason: 'File already exists',
      detail: 'File already exists',
    });
    const missing = await d1.request('POST', '/notebooks/create?filename=x&directory=nope');
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toBe(`Directory does not exist ${join(d1.rootDir, 'nope')}`);
    expect((await d1.request('POST', '/notebooks/create')).status).toBe(422);
  });

  it('uploads a notebook with a new uuid without opening it', async () => {
    mkdirSync(join(d1.rootDir, 'aproject'));
    const body = makeNotebook(['a = 1', { cell_type: 'markdown', source: '# Title\ntext' }], {
      jupyter_d1: { uuid: '11111111-2222-4333-8444-555555555555' },
    });
    const res = await d1.request('POST', '/notebooks/upload?filename=koy&directory=aproject', { body });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ path: 'aproject/koy.ipynb' });
    const onDisk = await validateNotebookFile(join(d1.rootDir, 'aproject/koy.ipynb'));
    expect(onDisk.metadata.jupyter_d1.uuid).not.toBe('11111111-2222-4333-8444-555555555555');
    expect(sources(onDisk)).toEqual(['a = 1', '# Title\ntext']);
    expect(readJson(join(d1.rootDir, 'aproject/koy.ipynb')).cells[1].source).toEqual(['# Title\n', 'text']);
    expect(await list()).toEqual([]);

    // Any content type: the body arrives as text and is parsed here.
    const text = await d1.request('POST', '/notebooks/upload?filename=plain', {
      raw: JSON.stringify(body),
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.json).toEqual({ path: 'plain.ipynb' });

    const again = await d1.request('POST', '/notebooks/upload?filename=koy.ipynb&directory=aproject', {
      body,
    });
    expect(again.status).toBe(400);
    expect(again.json.detail).toBe('File already exists');
    const missing = await d1.request('POST', '/notebooks/upload?filename=k&directory=nowhere', { body });
    expect(missing.status).toBe(404);
    expect(missing.json.detail).toBe(`Directory does not exist ${join(d1.rootDir, 'nowhere')}`);
  });

  it('refuses notebooks that are not nbformat 4, saying where, and writes nothing', async () => {
    const bad = makeNotebook(['a', 'b', { cell_type: 'weird', source: '' }]);
    for (const path of ['upload?filename=bad', 'upload_and_open?filename=bad']) {
      const res = await d1.request('POST', `/notebooks/${path}`, { body: bad });
      expect(res.status).toBe(400);
      expect(res.json.reason).toBe(
        'Failed to parse notebook: cells[2].cell_type: must be one of code, markdown, raw',
      );
    }
    const notJson = await d1.request('POST', '/notebooks/upload?filename=bad', { raw: '{"cells": [' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.reason).toMatch(/^Failed to parse notebook: not valid JSON/);
    writeNb('broken.ipynb', { nbformat: 3, cells: [] });
    const open = await d1.request('GET', '/notebooks/open/?filepath=broken.ipynb');
    expect(open.status).toBe(400);
    expect(open.json.reason).toBe('Failed to parse notebook: nbformat: must be 4');
    expect(existsSync(join(d1.rootDir, 'bad.ipynb'))).toBe(false);
    expect(await list()).toEqual([]);
  });

  it('opens a file with d1 reset rules; opening it twice gives the same notebook', async () => {
    const output = { output_type: 'stream', name: 'stdout', text: 'hi\n' };
    const file = makeNotebook([{ source: 'print("hi")', outputs: [output], execution_count: 7 }, '2']);
    writeNb('twice.ipynb', file);
    const first = await d1.request('GET', '/notebooks/open/?filepath=twice.ipynb');
    expect(first.status).toBe(201);
    const nb = first.json.notebook;
    const uuid = nb.metadata.jupyter_d1.uuid;
    expect(nb.cells[0]).toMatchObject({ execution_count: null, outputs: [output] });
    expect(nb.cells.map((c: any) => c.metadata.jupyter_d1)).toEqual([
      { uuid: nb.cells[0].id, notebook_uuid: uuid, position: 0, execution_state: 'idle' },
      { uuid: nb.cells[1].id, notebook_uuid: uuid, position: 1, execution_state: 'idle' },
    ]);
    const second = await d1.request(
      'POST',
      `/notebooks/open/?filepath=${encodeURIComponent(join(d1.rootDir, 'twice.ipynb'))}`,
    );
    expect(second.status).toBe(201);
    expect(second.json.notebook.metadata.jupyter_d1.uuid).toBe(uuid);
    expect((await list()).length).toBe(1);
    const onDisk = await waitForFile(
      join(d1.rootDir, 'twice.ipynb'),
      (f) => f.metadata.jupyter_d1?.uuid === uuid,
      'uuid saved',
    );
    expect(cellUuids(onDisk)).toEqual(cellUuids(nb));
    expect(onDisk.cells[0].outputs).toEqual([output]);

    const got = await d1.request('GET', `/notebooks/${uuid}`);
    expect(got.json).toEqual({ notebook: nb, version: events.version(uuid) });
    expect((await d1.request('GET', '/notebooks/open/?filepath=nope.ipynb')).json).toEqual({
      error: 'NOT_FOUND',
      reason: 'File not found',
      detail: 'File not found',
    });
  });

  it('answers 404 NOTEBOOK_NOT_FOUND for unknown uuids and 422 for non-uuids', async () => {
    const id = '0b7d4a4c-1111-4222-8333-444455556666';
    for (const [method, path] of [
      ['GET', `/notebooks/${id}`],
      ['DELETE', `/notebooks/${id}`],
      ['GET', `/notebooks/${id}/cells`],
      ['PATCH', `/notebooks/${id}/save_as?filename=x`],
    ]) {
      const res = await d1.request(method, path);
      expect(res.status).toBe(404);
      expect(res.json).toEqual({
        error: 'NOTEBOOK_NOT_FOUND',
        reason: `Notebook not found with uuid: ${id}`,
        detail: null,
      });
    }
    const bad = await d1.request('GET', '/notebooks/not-a-uuid');
    expect(bad.status).toBe(422);
    expect(bad.json.detail).toEqual([
      { loc: ['path', 'uuid'], msg: 'value is not a valid uuid', type: 'value_error' },
    ]);
  });

  it('reads metadata of an unopened file without opening it', async () => {
    writeNb('meta.ipynb', makeNotebook(['1'], { custom: { a: 1 } }));
    const res = await d1.request('GET', '/notebooks/metadata/?filepath=meta.ipynb');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ metadata: makeNotebook([], { custom: { a: 1 } }).metadata });
    expect(await list()).toEqual([]);
    const opened = await d1.request('GET', '/notebooks/open/?filepath=meta.ipynb');
    const meta = await d1.request('POST', '/notebooks/metadata/?filepath=meta.ipynb');
    expect(meta.json.metadata).toEqual(opened.json.notebook.metadata);
    expect((await d1.request('GET', '/notebooks/metadata/?filepath=none.ipynb')).status).toBe(404);
    const readOnly = await d1.token({ read_access: true, write_access: false });
    const ro = await d1.request('GET', '/notebooks/metadata/?filepath=meta.ipynb', {
      auth: `Bearer ${readOnly}`,
    });
    expect(ro.status).toBe(200);
    expect((await d1.request('POST', '/notebooks/upload', { auth: `Bearer ${readOnly}` })).status).toBe(403);
  });

  it('upload_and_open: autosave=false writes nothing; an open uuid returns that notebook', async () => {
    writeNb('exists.ipynb', makeNotebook(['old']));
    const before = readdirSync(d1.rootDir).sort();
    const nb = await uploadAndOpen(d1, 'filename=exists&autosave=0', makeNotebook(['new']));
    expect(sources(nb)).toEqual(['new']);
    const uuid = nb.metadata.jupyter_d1.uuid;
    const patch = await d1.request('PATCH', `/notebooks/${uuid}/cells/${nb.cells[0].id}`, {
      body: { source: 'edited' },
    });
    expect(patch.status).toBe(200);
    // With autosave off an edit schedules no write at all.
    expect(d1.app.get(NotebooksService).get(uuid).saver.pending).toBe(false);
    expect(sources(await validateNotebookFile(join(d1.rootDir, 'exists.ipynb')))).toEqual(['old']);
    expect(readdirSync(d1.rootDir).sort()).toEqual(before);

    const memory = await uploadAndOpen(d1, 'autosave=false', makeNotebook(['m']));
    expect(memory.metadata.jupyter_d1).toEqual({
      uuid: memory.metadata.jupyter_d1.uuid,
      name: 'Untitled',
      working_directory: d1.rootDir,
    });
    const same = await uploadAndOpen(d1, 'filename=other', memory);
    expect(same).toEqual(
      (await d1.request('GET', `/notebooks/${memory.metadata.jupyter_d1.uuid}`)).json.notebook,
    );
    expect((await list()).length).toBe(2);

    const refused = await d1.request('POST', '/notebooks/upload_and_open?filename=exists', {
      body: makeNotebook([]),
    });
    expect(refused.json.detail).toBe('File already exists');
    expect(
      (await d1.request('POST', '/notebooks/upload_and_open?autosave=maybe', { body: makeNotebook([]) }))
        .status,
    ).toBe(422);
    const saved = await uploadAndOpen(d1, 'filename=saved&autosave=true', makeNotebook(['s']));
    await waitForFile(
      join(d1.rootDir, 'saved.ipynb'),
      (f) => f.metadata.jupyter_d1.uuid === saved.metadata.jupyter_d1.uuid,
      'saved',
    );
  });

  it('save_as writes a copy the notebook moves to; rename moves the file', async () => {
    const emit = jest.spyOn(events, 'emit');
    const nb = await uploadAndOpen(d1, 'filename=orig', makeNotebook(['one', 'two']));
    const uuid = nb.metadata.jupyter_d1.uuid;
    mkdirSync(join(d1.rootDir, 'copies'));
    const res = await d1.request('PATCH', `/notebooks/${uuid}/save_as?filename=copy&directory=copies`);
    expect(res.status).toBe(200);
    const copyPath = join(d1.rootDir, 'copies/copy.ipynb');
    expect(res.json).toEqual({ path: copyPath });
    const copy = await validateNotebookFile(copyPath);
    expect(copy.metadata.jupyter_d1).toMatchObject({ uuid, name: 'copy', path: copyPath });
    expect(cellUuids(copy)).toEqual(cellUuids(nb));
    expect(sources(await validateNotebookFile(join(d1.rootDir, 'orig.ipynb')))).toEqual(['one', 'two']);
    expect(emit).toHaveBeenCalledWith(uuid, { metadata: copy.metadata });
    expect((await d1.request('PATCH', `/notebooks/${uuid}/save_as?filename=orig`)).json.detail).toBe(
      'File already exists',
    );
    expect(
      (await d1.request('PATCH', `/notebooks/${uuid}/save_as?filename=orig&overwrite=true`)).status,
    ).toBe(200);

    const renamed = await d1.request('PATCH', `/notebooks/${uuid}/rename?filename=moved`);
    expect(renamed.json).toEqual({ path: join(d1.rootDir, 'moved.ipynb') });
    expect(existsSync(join(d1.rootDir, 'orig.ipynb'))).toBe(false);
    expect((await validateNotebookFile(join(d1.rootDir, 'moved.ipynb'))).metadata.jupyter_d1.name).toBe(
      'moved',
    );

    const meta = await d1.request(
      'PATCH',
      `/notebooks/${uuid}/rename?filename=copy&directory=copies&just_metadata=1`,
    );
    expect(meta.json).toEqual({ path: copyPath });
    expect(existsSync(join(d1.rootDir, 'moved.ipynb'))).toBe(true);
    const got = (await d1.request('GET', `/notebooks/${uuid}`)).json.notebook;
    expect(got.metadata.jupyter_d1).toMatchObject({ name: 'copy', path: copyPath });
    emit.mockRestore();
  });

  it('closes one notebook or all, keeping files and shutting kernels down', async () => {
    const a = await uploadAndOpen(d1, 'filename=ca', makeNotebook(['a']));
    const b = await uploadAndOpen(d1, 'filename=cb', makeNotebook(['b']));
    const [ua, ub] = [a.metadata.jupyter_d1.uuid, b.metadata.jupyter_d1.uuid];
    expect((await list()).map((n) => n.metadata.jupyter_d1.uuid)).toEqual([ua, ub]);
    expect(serverMessages.at(-1)).toEqual({
      notebooks: [
        { uuid: ua, name: 'ca' },
        { uuid: ub, name: 'cb' },
      ],
    });
    await waitFor(
      async () => (await d1.request('GET', `/kernels/is_alive/${ua}`)).json.kernel_is_alive,
      'kernel a',
    );
    const kernelA = (await d1.request('GET', `/kernels/${ua}`)).json.id;
    expect((await d1.request('DELETE', `/notebooks/${ua}`)).status).toBe(204);
    expect(serverMessages.at(-1)).toEqual({ notebooks: [{ uuid: ub, name: 'cb' }] });
    expect((await d1.request('GET', `/kernels/${kernelA}`)).status).toBe(404);
    expect((await d1.request('DELETE', `/notebooks/${ua}`)).status).toBe(404);
    expect((await d1.request('DELETE', '/notebooks')).status).toBe(204);
    expect(await list()).toEqual([]);
    expect(serverMessages.at(-1)).toEqual({ notebooks: [] });
    expect(sources(await validateNotebookFile(join(d1.rootDir, 'ca.ipynb')))).toEqual(['a']);
    expect((await validateNotebookFile(join(d1.rootDir, 'cb.ipynb'))).metadata.jupyter_d1.uuid).toBe(ub);
  });

  it('chooses the working directory: parameter, then recorded, then the notebook dir', async () => {
    mkdirSync(join(d1.rootDir, 'wd/inner'), { recursive: true });
    const nbPath = join(d1.rootDir, 'wd');
    const viaParam = await uploadAndOpen(
      d1,
      'filename=p&directory=wd&working_directory=wd/inner',
      makeNotebook([]),
    );
    expect(viaParam.metadata.jupyter_d1.working_directory).toBe(join(nbPath, 'inner'));
    const recorded = makeNotebook([], { jupyter_d1: { working_directory: join(nbPath, 'inner') } });
    expect(
      (await uploadAndOpen(d1, 'filename=r&directory=wd', recorded)).metadata.jupyter_d1.working_directory,
    ).toBe(join(nbPath, 'inner'));
    const gone = makeNotebook([], { jupyter_d1: { working_directory: '/definitely/not/here' } });
    expect(
      (await uploadAndOpen(d1, 'filename=g&directory=wd', gone)).metadata.jupyter_d1.working_directory,
    ).toBe(nbPath);
    const outside = makeNotebook([], { jupyter_d1: { working_directory: outsideDir } });
    expect(
      (await uploadAndOpen(d1, 'filename=o&directory=wd', outside)).metadata.jupyter_d1.working_directory,
    ).toBe(nbPath);
  });

  it('resolves kernel specs like d1, falling back silently', async () => {
    const spec = async (query: string, kernelspec?: unknown) => {
      const nb = await uploadAndOpen(
        d1,
        `autosave=false&${query}`,
        makeNotebook([], kernelspec ? { kernelspec } : {}),
      );
      return nb.metadata.kernelspec;
    };
    const python = { name: 'python3', language: 'python', display_name: 'Python 3 (ipykernel)' };
    const r = { name: 'fake-r', language: 'R', display_name: 'Fake R' };
    expect(await spec('kspec_name=fake-r')).toEqual(r);
    expect(await spec('kspec_name=bogus')).toEqual(python);
    expect(await spec('kspec_name=python', { name: 'ir', display_name: 'R', language: 'R' })).toEqual(r);
    expect(await spec('', { name: 'fake-r', display_name: 'x' })).toEqual(r);
    expect(await spec('', { name: 'julia-1.9', display_name: 'Julia', language: 'julia' })).toEqual(python);
    const created = await d1.request('POST', '/notebooks/create?filename=rnb&kspec_name=fake-r');
    expect(created.json.notebook.metadata.kernelspec).toEqual(r);
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    await waitFor(
      async () => (await d1.request('GET', `/kernels/${uuid}`)).json?.name === 'fake-r',
      'fake-r kernel',
    );
  });

  it('refuses paths that leave the root dir and touches nothing outside', async () => {
    symlinkSync(outsideDir, join(d1.rootDir, 'escape'));
    const body = makeNotebook(['x']);
    const attempts: Array<[string, string]> = [
      ['GET', '/notebooks/open/?filepath=../victim.ipynb'],
      ['GET', `/notebooks/open/?filepath=${encodeURIComponent(join(outsideDir, 'victim.ipynb'))}`],
      ['GET', '/notebooks/open/?filepath=escape/victim.ipynb'],
      ['GET', '/notebooks/metadata/?filepath=escape/victim.ipynb'],
      ['POST', `/notebooks/upload?filename=evil&directory=${encodeURIComponent(outsideDir)}`],
      ['POST', '/notebooks/upload?filename=evil&directory=escape'],
      ['POST', '/notebooks/upload_and_open?filename=victim&directory=escape&autosave=false'],
      ['POST', '/notebooks/create?filename=evil&directory=..'],
      ['POST', `/notebooks/create?filename=ok&working_directory=${encodeURIComponent(outsideDir)}`],
      ['POST', '/notebooks/create?filename=ok2&working_directory=escape'],
    ];
    for (const [method, path] of attempts) {
      const res = await d1.request(method, path, method === 'POST' ? { body } : {});
      expect([path, res.status, res.json?.error, res.json?.reason]).toEqual([
        path,
        400,
        OUTSIDE.error,
        OUTSIDE.reason,
      ]);
    }
    const nb = await uploadAndOpen(d1, 'filename=inside', body);
    const uuid = nb.metadata.jupyter_d1.uuid;
    // A filename holding a path is refused as a field (422) before any path is looked at.
    const traversal = await d1.request('POST', '/notebooks/upload?filename=../../evil', { body });
    expect([traversal.status, traversal.json.detail[0].loc]).toEqual([422, ['query', 'filename']]);
    for (const q of [
      'filename=evil&directory=escape',
      `filename=evil&directory=${encodeURIComponent(outsideDir)}`,
    ]) {
      expect((await d1.request('PATCH', `/notebooks/${uuid}/save_as?${q}`)).json.reason).toBe(OUTSIDE.reason);
      expect(
        (await d1.request('PATCH', `/notebooks/${uuid}/rename?${q}&just_metadata=true`)).json.reason,
      ).toBe(OUTSIDE.reason);
    }
    for (const action of ['save_as', 'rename']) {
      const res = await d1.request('PATCH', `/notebooks/${uuid}/${action}?filename=../evil`);
      expect([action, res.status, res.json.detail[0].loc]).toEqual([action, 422, ['query', 'filename']]);
    }
    expect(readdirSync(outsideDir)).toEqual(['victim.ipynb']);
    expect(sources(await validateNotebookFile(join(outsideDir, 'victim.ipynb')))).toEqual(['x = 1']);
    expect(existsSync(join(d1.rootDir, '..', 'evil.ipynb'))).toBe(false);
  });

  it('gives every open notebook a fresh kernel when the Jupyter Server restarts', async () => {
    const emit = jest.spyOn(events, 'emit');
    const nb = await uploadAndOpen(d1, 'filename=survivor', makeNotebook(['keep me']));
    const uuid = nb.metadata.jupyter_d1.uuid;
    await waitFor(
      async () => (await d1.request('GET', `/kernels/is_alive/${uuid}`)).json.kernel_is_alive,
      'kernel',
    );
    const before = (await d1.request('GET', `/kernels/${uuid}`)).json.id;
    const pid = d1.app.get(JupyterService).supervised?.info().pid;
    process.kill(pid as number, 'SIGKILL');
    const status = () =>
      emit.mock.calls.filter(([u, m]) => u === uuid && 'kernel_status' in m).map(([, m]) => m);
    await waitFor(() => status().length >= 2, 'kernel_status restarting and idle', 45_000);
    expect(status()).toEqual([
      { kernel_status: { execution_state: 'restarting', kernel_name: 'python3' } },
      { kernel_status: { execution_state: 'idle', kernel_name: 'python3' } },
    ]);
    const after = (await d1.request('GET', `/kernels/${uuid}`)).json.id;
    expect(after).not.toBe(before);
    expect(sources((await d1.request('GET', `/notebooks/${uuid}`)).json.notebook)).toEqual(['keep me']);
    emit.mockRestore();
  }, 60_000);
});
