import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { useD1, waitFor } from './support/d1';
import { connectMcp, type McpTestClient, textOf, toolErrorBody } from './support/mcp';
import { makeNotebook } from './support/notebooks';
import { WsRecorder } from './support/ws';
import { reduce, typeOf } from '@d1/client';

/* eslint-disable @typescript-eslint/no-explicit-any */

const MAX_OUTPUT = 64 * 1024;

describe('MCP: an agent works in a live notebook', () => {
  const d1 = useD1({ maxOutputBytes: MAX_OUTPUT });
  let agent: McpTestClient;
  const opened: string[] = [];

  beforeAll(async () => {
    agent = await connectMcp(d1, await d1.token());
  });
  afterEach(async () => {
    for (const uuid of opened.splice(0)) await d1.request('DELETE', `/notebooks/${uuid}`);
  });
  d1.beforeClose(async () => {
    await agent?.close();
  });

  /** Opens (creates) a notebook through the agent; returns its uuid. */
  async function open(name: string): Promise<string> {
    const res = await agent.call('open_notebook', { path: name, create: true });
    expect(res.isError).toBeUndefined();
    opened.push(res.structuredContent.uuid);
    return res.structuredContent.uuid as string;
  }

  /** A websocket client of the notebook from now on, and the notebook it starts from. */
  async function watch(uuid: string): Promise<{ ws: WsRecorder; initial: any }> {
    const got = await d1.request('GET', `/notebooks/${uuid}`);
    const url = `${d1.wsUrl}/notebooks/${uuid}/ws/notebook?since=${got.json.version}`;
    return { ws: await new WsRecorder(url, { token: await d1.token() }).ready(), initial: got.json.notebook };
  }

  /** Inserts code cells through the agent, in order; returns their ids. */
  async function addCells(uuid: string, sources: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const source of sources)
      ids.push((await agent.call('insert_cell', { notebook: uuid, source })).structuredContent.cell_id);
    return ids;
  }

  it('opens a notebook, inserts and runs a cell; a websocket client receives every change in order', async () => {
    const uuid = await open('agent.ipynb');
    const { ws, initial } = await watch(uuid);

    const ran = await agent.call('insert_and_run_cell', {
      notebook: uuid,
      source: 'import math; math.factorial(20)',
    });
    const id = ran.structuredContent.cell_id as string;
    expect(ran.content).toEqual([
      {
        type: 'text',
        text: `Inserted cell 0 (id ${id}).\nCell 0 (id ${id}) finished: ok, execution_count 1.\nOutput:\n2432902008176640000`,
      },
    ]);
    expect(ran.structuredContent).toEqual({
      cell_id: id,
      index: 0,
      status: 'ok',
      execution_count: 1,
      finished: true,
    });
    await ws.until((m) => m.some((x) => typeOf(x) === 'vars'), 'the variables after the run');

    // Edits: a markdown cell inserted first, rewritten, moved to the end, deleted.
    const md = await agent.call('insert_cell', {
      notebook: uuid,
      source: '# Notes',
      cell_type: 'markdown',
      index: 0,
    });
    const mdId = md.structuredContent.cell_id as string;
    expect(md.structuredContent).toEqual({ cell_id: mdId, index: 0, cells: 2 });
    expect(
      (await agent.call('edit_cell', { notebook: uuid, cell: 0, source: '# Findings' })).structuredContent,
    ).toEqual({
      cell_id: mdId,
      index: 0,
    });
    const moved = await agent.call('move_cell', { notebook: uuid, cell: mdId, index: 5 });
    expect(moved.structuredContent).toEqual({ cell_id: mdId, from: 0, index: 1 });
    expect((await agent.call('delete_cell', { notebook: uuid, cell: 1 })).structuredContent).toEqual({
      cell_id: mdId,
      index: 1,
      cells: 1,
    });

    await ws.until((m) => m.some((x) => typeOf(x) === 'cell_delete'), 'the deletion');
    const states = ws.messages.map((m) =>
      typeOf(m) === 'cell_update' && m.cell_update.length === 1
        ? `cell_update ${m.cell_update[0].metadata.jupyter_d1.execution_state}`
        : typeOf(m),
    );
    expect(states).toEqual([
      'cell_add',
      'cell_update pending',
      'cell_execution_request',
      'cell_update busy',
      'cell_execution_input',
      'cell_update busy',
      'cell_execution_reply',
      'cell_update idle',
      'vars',
      'cell_add',
      'cell_update idle',
      'cell_update', // the move: every cell, in the new order
      'cell_delete',
    ]);
    expect(ws.messages.find((m) => m.cell_execution_reply)!.cell_execution_reply).toMatchObject({
      cell_id: id,
      status: 'ok',
    });
    const served = await d1.request('GET', `/notebooks/${uuid}`);
    expect(reduce(initial, ws.messages)).toEqual(served.json.notebook);
    expect(served.json.notebook.cells.map((c: any) => c.source)).toEqual(['import math; math.factorial(20)']);
    ws.close();
  });

  it('reads outputs as an agent needs them: text, stderr, HTML as text, images, tracebacks without colour', async () => {
    const uuid = await open('outputs.ipynb');
    await addCells(uuid, [
      "print('\\x1b[31mred\\x1b[0m plain')",
      "import sys; print('careful', file=sys.stderr)",
      "from IPython.display import HTML\nHTML('<p>Hello <b>bold</b></p><table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>')",
      'import matplotlib.pyplot as plt\nplt.plot([1, 4, 9])\nplt.show()',
      'def f():\n    return 1 / 0\nf()',
    ]);
    await agent.call('insert_cell', { notebook: uuid, source: 'A *note*', cell_type: 'markdown' });
    // The first matplotlib import builds its font cache: give it time.
    const all = await agent.call('run_all_cells', { notebook: uuid, timeout_seconds: 300 });
    expect(all.structuredContent.finished).toBe(true);
    expect(all.structuredContent.cells.map((c: any) => c.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'error']);

    const read = await agent.call('read_notebook', { notebook: uuid });
    const texts = read.content.filter((b: any) => b.type === 'text').map((b: any) => b.text);
    const images = read.content.filter((b: any) => b.type === 'image');
    const all_text = texts.join('\n');
    expect(all_text).not.toContain('\x1b');
    expect(all_text).toContain('Output:\nred plain\n');
    expect(all_text).toContain('Output:\n[stderr]\ncareful\n');
    expect(all_text).toContain('Output:\nHello bold\n\nk   v\na   1');
    expect(all_text).toMatch(
      /Output:\n\[error\] ZeroDivisionError: division by zero\n[^]*return 1 \/ 0[^]*ZeroDivisionError: division by zero$/m,
    );
    expect(all_text).toContain('### Cell 5 · markdown · id ');
    expect(all_text).toContain('```markdown\nA *note*\n```');
    expect(images).toHaveLength(1);
    expect(images[0].mimeType).toBe('image/png');
    expect(Buffer.from(images[0].data, 'base64').subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );

    // A range of cells, and a cell without its outputs.
    const one = await agent.call('read_notebook', { notebook: uuid, start: 4, end: 5 });
    expect(textOf(one)).toMatch(
      /^Notebook outputs\.ipynb · uuid .* · 6 cells · kernel python3 \(\w+\)\nShowing cell 4 of 6\.\n### Cell 4 · code · id [-0-9a-f]+ · execution_count 5 · idle\n```python\ndef f\(\):/,
    );
    expect(one.structuredContent).toEqual({ uuid, start: 4, end: 5, cells: 6 });
    const bare = await agent.call('read_notebook', { notebook: uuid, start: 3, end: 4, outputs: false });
    expect(bare.content.some((b: any) => b.type === 'image')).toBe(false);
    expect(textOf(bare)).not.toContain('Output:');
  });

  it("shows d1's truncation marker where a cell's output was capped, and cuts long text for the agent", async () => {
    const uuid = await open('long.ipynb');
    const ran = await agent.call('insert_and_run_cell', {
      notebook: uuid,
      source: "for i in range(20000):\n    print(f'line {i:05d}')",
      max_output_chars: 2000,
    });
    expect(ran.structuredContent.status).toBe('ok');
    const text = textOf(ran);
    expect(text).toContain('Output:\nline 00000\nline 00001\n');
    expect(text).toMatch(/\n\[… \d+ characters left out here; ask for more with max_output_chars …\]\n/);
    expect(text).toContain(
      '[stderr]\n\n[d1: output truncated: this cell exceeded the 64.0 KiB output limit]\n',
    );
    const full = textOf(await agent.call('read_notebook', { notebook: uuid, max_output_chars: 1_000_000 }));
    expect(full).not.toContain('characters left out');
    expect(full).toContain('output truncated');
  });

  it('reports progress while a cell sleeps, and a short timeout returns the partial output', async () => {
    const uuid = await open('sleepy.ipynb');
    const progress: Progress[] = [];
    const ran = await agent.call(
      'insert_and_run_cell',
      {
        notebook: uuid,
        source: "import time\nprint('started', flush=True)\ntime.sleep(60)\nprint('never')",
        timeout_seconds: 4,
      },
      progress,
    );
    const id = ran.structuredContent.cell_id;
    expect(ran.isError).toBeUndefined();
    expect(ran.structuredContent).toEqual({
      cell_id: id,
      index: 0,
      status: 'busy',
      execution_count: null,
      finished: false,
    });
    expect(textOf(ran)).toMatch(
      new RegExp(
        `^Inserted cell 0 \\(id ${id}\\)\\.\\nCell 0 \\(id ${id}\\) is still running after \\d+ s; the output so far is below\\. Wait for it with wait_for_cell, or stop it with interrupt_kernel\\.\\nOutput:\\nstarted\\n$`,
      ),
    );
    expect(progress.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i].progress).toBeGreaterThan(progress[i - 1].progress);
    expect(progress.at(-1)!.message).toMatch(/^cell 0 running, \d+ outputs? so far$/);

    // Still running for everyone: the kernel says so; then the agent stops it and waits for the end.
    const status = await agent.call('kernel_status', { notebook: uuid });
    expect(status.structuredContent).toMatchObject({ running: [0], queued: [], input: null });
    expect(textOf(await agent.call('interrupt_kernel', { notebook: uuid }))).toBe(
      'Interrupted: the running cell stops with KeyboardInterrupt and queued cells were cancelled.',
    );
    const waited = await agent.call('wait_for_cell', { notebook: uuid, cell: id, timeout_seconds: 60 });
    expect(waited.structuredContent).toMatchObject({ status: 'error', finished: true });
    expect(textOf(waited)).toContain('[error] KeyboardInterrupt');
    expect(textOf(waited)).not.toMatch(/^never$/m);
  });

  it('answers input() prompts: the run returns the prompt, send_input answers and waits for the cell', async () => {
    const uuid = await open('ask.ipynb');
    const [id] = await addCells(uuid, ["name = input('Name? ')\nprint('hello', name)"]);
    const ran = await agent.call('run_cell', { notebook: uuid, cell: 0 });
    expect(ran.structuredContent).toEqual({
      cell_id: id,
      index: 0,
      status: 'waiting_for_input',
      execution_count: null,
      finished: false,
    });
    expect(textOf(ran)).toBe(
      `Cell 0 (id ${id}) is waiting for input, prompt "Name? ". Answer with send_input; it then waits for the cell as run_cell does.\n(no output)`,
    );
    const status = await agent.call('kernel_status', { notebook: uuid });
    expect(status.structuredContent.input).toMatchObject({
      cell_index: 0,
      cell_id: id,
      prompt: 'Name? ',
      password: false,
    });
    const answered = await agent.call('send_input', { notebook: uuid, value: 'Ada' });
    expect(answered.structuredContent).toEqual({
      cell_id: id,
      index: 0,
      status: 'ok',
      execution_count: 1,
      finished: true,
    });
    expect(textOf(answered)).toBe(
      `Input sent.\nCell 0 (id ${id}) finished: ok, execution_count 1.\nOutput:\nName? Ada\nhello Ada\n`,
    );
    expect(toolErrorBody(await agent.call('send_input', { notebook: uuid, value: 'again' }))).toEqual({
      error: 'CONFLICT',
      reason: 'The kernel is not waiting for input',
      detail: 'The kernel is not waiting for input',
    });
  });

  it('runs scratch code that touches no cell, lists variables, and restarts the kernel', async () => {
    const uuid = await open('scratch.ipynb');
    const ran = await agent.call('insert_and_run_cell', { notebook: uuid, source: 'answer = 41 + 1' });
    expect(ran.structuredContent.status).toBe('ok');
    const before = await d1.request('GET', `/notebooks/${uuid}`);
    const { ws } = await watch(uuid);

    const scratch = await agent.call('run_scratch', {
      notebook: uuid,
      code: "print(answer)\nprint('x' * 3)",
    });
    expect(scratch.content).toEqual([{ type: 'text', text: 'Scratch code finished: ok.\n42\nxxx\n' }]);
    expect(scratch.structuredContent).toEqual({ finished: true, status: 'ok' });
    const after = await d1.request('GET', `/notebooks/${uuid}`);
    expect(after.json.notebook).toEqual(before.json.notebook);
    await ws.until(
      (m) => m.some((x) => x.scratch_update?.execution_state === 'idle'),
      'the scratch run to end',
    );
    expect(new Set(ws.messages.map(typeOf).filter((t) => t !== 'vars'))).toEqual(new Set(['scratch_update']));

    const vars = await waitFor(async () => {
      const res = await agent.call('list_variables', { notebook: uuid });
      return res.structuredContent.vars.some((v: any) => v.name === 'answer') ? res : null;
    }, 'the variable list to hold answer');
    expect(textOf(vars)).toMatch(/^answer: int = 42$/m);

    expect(textOf(await agent.call('restart_kernel', { notebook: uuid }))).toBe(
      'Kernel restarted: variables and imports are gone.',
    );
    const gone = await agent.call('run_scratch', { notebook: uuid, code: 'answer' });
    expect(gone.structuredContent).toEqual({ finished: true, status: 'error' });
    expect(textOf(gone)).toContain("[error] NameError: name 'answer' is not defined");
    ws.close();
  });

  it('run_all_cells stops at the first error: later cells end aborted', async () => {
    const uuid = await open('batch.ipynb');
    const ids = await addCells(uuid, ['a = 1', 'raise ValueError("bad value")', 'a + 1']);
    const res = await agent.call('run_all_cells', { notebook: uuid });
    expect(res.structuredContent).toEqual({
      finished: true,
      cells: [
        { cell_id: ids[0], index: 0, status: 'ok', execution_count: 1, finished: true },
        { cell_id: ids[1], index: 1, status: 'error', execution_count: 2, finished: true },
        { cell_id: ids[2], index: 2, status: 'aborted', execution_count: null, finished: true },
      ],
    });
    const text = textOf(res);
    expect(text).toMatch(/^Ran 3 code cells: 1 ok, 1 error, 1 aborted\.\n/);
    expect(text).toContain('[error] ValueError: bad value');
    expect(text).toContain(`Cell 2 (id ${ids[2]}) did not run to the end (aborted)`);
  });

  it('finds notebooks: lists the root dir (confined to it), opens a file by path, lists open notebooks', async () => {
    mkdirSync(join(d1.rootDir, 'data'), { recursive: true });
    writeFileSync(join(d1.rootDir, 'data', 'report.ipynb'), JSON.stringify(makeNotebook(['x = 1', 'x * 2'])));
    writeFileSync(join(d1.rootDir, 'notes.txt'), 'hello');
    symlinkSync('/etc', join(d1.rootDir, 'etc-link'));
    const root = await agent.call('list_files', {});
    expect(root.structuredContent.entries).toEqual(
      expect.arrayContaining([
        { path: 'data/', type: 'directory' },
        { path: 'notes.txt', type: 'file', size: 5 },
      ]),
    );
    const data = await agent.call('list_files', { path: 'data' });
    expect(data.structuredContent.entries).toEqual([
      { path: 'data/report.ipynb', type: 'notebook', size: expect.any(Number) },
    ]);
    // A symlink leading out of the root is not shown, and cannot be listed through.
    expect(root.structuredContent.entries.map((e: any) => e.path)).not.toContain('etc-link/');
    expect(toolErrorBody(await agent.call('list_files', { path: 'etc-link' })).reason).toBe(
      'Path is outside the root directory',
    );
    expect(toolErrorBody(await agent.call('list_files', { path: '../..' }))).toEqual({
      error: 'BAD_REQUEST',
      reason: 'Path is outside the root directory',
      detail: 'Path is outside the root directory',
    });
    expect(toolErrorBody(await agent.call('open_notebook', { path: '/etc/passwd' })).error).toBe(
      'BAD_REQUEST',
    );
    expect(toolErrorBody(await agent.call('open_notebook', { path: 'data/missing.ipynb' }))).toEqual({
      error: 'NOT_FOUND',
      reason: 'File not found',
      detail: 'File not found',
    });

    const res = await agent.call('open_notebook', { path: 'data/report.ipynb' });
    const uuid = res.structuredContent.uuid;
    opened.push(uuid);
    expect(res.structuredContent).toEqual({
      uuid,
      name: 'report',
      path: 'data/report.ipynb',
      cells: 2,
      kernel: { name: 'python3', state: expect.any(String) },
    });
    expect(textOf(res)).toMatch(/\n\nCells:\n0\. code [-0-9a-f]+: x = 1\n1\. code [-0-9a-f]+: x \* 2$/);
    // Opening it again (by path, without .ipynb) is the same notebook, shared.
    expect((await agent.call('open_notebook', { path: 'data/report' })).structuredContent.uuid).toBe(uuid);
    const listed = await agent.call('list_notebooks', {});
    expect(listed.structuredContent.notebooks.map((n: any) => n.uuid)).toContain(uuid);
    expect((await agent.call('list_files', { path: 'data' })).structuredContent.entries[0].open_uuid).toBe(
      uuid,
    );
    // Other tools take the path too.
    const ran = await agent.call('run_cell', { notebook: 'data/report.ipynb', cell: 1 });
    expect(ran.structuredContent.status).toBe('error'); // x was never defined in this kernel
    expect(textOf(ran)).toContain("NameError: name 'x' is not defined");
  });

  it('offers each open notebook as a resource, with update notifications to subscribers', async () => {
    const uuid = await open('resource.ipynb');
    const uri = `d1://notebooks/${uuid}`;
    const listed = await agent.client.listResources();
    expect(listed.resources).toContainEqual({
      uri,
      name: 'resource.ipynb',
      title: 'resource',
      description: expect.stringContaining(`Open notebook resource.ipynb · uuid ${uuid} · 0 cells`),
      mimeType: 'text/markdown',
    });
    const templates = await agent.client.listResourceTemplates();
    expect(templates.resourceTemplates.map((t) => t.uriTemplate)).toEqual(['d1://notebooks/{uuid}']);

    await agent.client.subscribeResource({ uri });
    const seen = agent.updated.length;
    // A person edits through REST: the agent hears of it.
    const added = await d1.request('POST', `/notebooks/${uuid}/cells`, {
      body: { source: 'print("from a person")' },
    });
    expect(added.status).toBe(201);
    await waitFor(() => agent.updated.slice(seen).includes(uri), 'a resource update notification');
    const read = await agent.client.readResource({ uri });
    expect(read.contents).toHaveLength(1);
    expect(read.contents[0]).toMatchObject({ uri, mimeType: 'text/markdown' });
    expect((read.contents[0] as { text: string }).text).toContain('```python\nprint("from a person")\n```');

    // Opening another notebook changes the list.
    const lists = agent.listChanged;
    await open('another.ipynb');
    await waitFor(() => agent.listChanged > lists, 'a resource list change notification');

    await agent.client.unsubscribeResource({ uri });
    await expect(
      agent.client.readResource({ uri: 'd1://notebooks/00000000-0000-4000-8000-000000000000' }),
    ).rejects.toThrow(/No open notebook at d1:\/\/notebooks\/00000000-0000-4000-8000-000000000000/);
  });
});
