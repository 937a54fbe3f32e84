import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useD1, TestD1, waitFor } from './support/d1';
import { makeNotebook, uploadAndOpen } from './support/notebooks';
import { WsRecorder } from './support/ws';

/* eslint-disable @typescript-eslint/no-explicit-any */

const BROKEN_PYTHON = '/nonexistent/d1-test-python';

/** A kernel spec whose executable does not exist: Jupyter Server cannot launch it. */
function brokenKernelspecs(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-kernelspecs-')));
  mkdirSync(join(dir, 'kernels', 'broken'), { recursive: true });
  const spec = {
    argv: [BROKEN_PYTHON, '-f', '{connection_file}'],
    display_name: 'Broken',
    language: 'python',
  };
  writeFileSync(join(dir, 'kernels', 'broken', 'kernel.json'), JSON.stringify(spec));
  return dir;
}

/** Kernels of the embedded Jupyter Server, as d1 lists them. */
async function kernelIds(d1: TestD1): Promise<string[]> {
  return ((await d1.request('GET', '/kernels')).json as Array<{ id: string }>).map((k) => k.id);
}

describe('kernel requests right after open wait for the kernel', () => {
  let specs: string;
  const d1 = useD1(() => {
    specs = brokenKernelspecs();
    // No pool: every notebook here really waits for its kernel to start.
    return { kernelPool: 0, childEnv: { ...process.env, JUPYTER_PATH: specs } as never };
  });
  const token = () => d1.token();

  afterAll(async () => {
    rmSync(specs, { recursive: true, force: true });
  });
  afterEach(async () => {
    expect((await d1.request('DELETE', '/notebooks')).status).toBe(204);
  });

  async function open(cells: string[], kspec?: string): Promise<string> {
    const query = `autosave=false${kspec ? `&kspec_name=${kspec}` : ''}`;
    return (await uploadAndOpen(d1, query, makeNotebook(cells))).metadata.jupyter_d1.uuid;
  }

  it('scratch_execute, complete, history, vars, a websocket complete and /kernels/{uuid} all succeed at once', async () => {
    const uuid = await open(['x = 1']);
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await token(),
    }).ready();
    ws.send({
      command: 'complete',
      command_id: 'ws-1',
      body: { code: 'import os\nos.pat', cursor_position: 16 },
    });
    const base = `/notebooks/${uuid}`;
    const [scratch, complete, history, vars, kernel] = await Promise.all([
      d1.request('POST', `${base}/scratch_execute`, { body: { code: 'print(6 * 7)' } }),
      d1.request('POST', `${base}/complete`, { body: { code: 'import sys\nsys.ver', cursor_position: 17 } }),
      d1.request('POST', `${base}/history`),
      d1.request('GET', `${base}/vars`),
      d1.request('GET', `/kernels/${uuid}`),
    ]);
    for (const res of [scratch, complete, history]) {
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ kernel_message: { message_id: expect.any(String) } });
    }
    expect(vars.status).toBe(200);
    expect(vars.json).toEqual({ vars: [] });
    expect(kernel.status).toBe(200);
    expect(kernel.json).toMatchObject({ id: expect.any(String), name: 'python3' });
    await ws.until(
      (m) =>
        m.some((x) => x.complete_reply?.command_id === 'ws-1') &&
        m.some((x) => x.complete_reply?.message_id === complete.json.kernel_message.message_id) &&
        m.some((x) => x.history_reply) &&
        m.some((x) => x.scratch_update?.execution_state === 'idle'),
      'every reply',
    );
    expect(ws.of('complete_reply').find((r) => r.command_id === 'ws-1')).toMatchObject({
      matches: expect.arrayContaining(['path']),
      cursor_start: 13,
      cursor_end: 16,
    });
    expect(ws.of('complete_reply').find((r) => r.command_id === null).matches).toEqual(
      expect.arrayContaining(['version']),
    );
    const outputs = ws
      .of('scratch_update')
      .filter((u) => u.output)
      .map((u) => u.output);
    expect(outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: '42\n' }]);
    expect(ws.of('error')).toEqual([]);
    ws.close();
  });

  it('a read-only token gets 403 at once from a starting kernel, and nothing it sent runs there', async () => {
    const uuid = await open(['1']);
    const base = `/notebooks/${uuid}`;
    const marker = join(d1.rootDir, `read-only-ran-${Math.random().toString(36).slice(2)}`);
    const auth = `Bearer ${await d1.token({ read_access: true, write_access: false })}`;
    const calls = await Promise.all([
      d1.request('POST', `${base}/scratch_execute`, {
        auth,
        body: { code: `open(${JSON.stringify(marker)}, "w")` },
      }),
      d1.request('POST', `${base}/complete`, {
        auth,
        body: { code: `open(${JSON.stringify(marker)}, "w")` },
      }),
      d1.request('POST', `${base}/interrupt_kernel`, { auth }),
      d1.request('POST', `${base}/restart_kernel`, { auth }),
      d1.request('PATCH', `${base}/change_working_directory?directory=.`, { auth }),
      d1.request('GET', `${base}/vars`, { auth }),
    ]);
    expect(calls.map((c) => [c.status, c.json.error])).toEqual(Array(6).fill([403, 'FORBIDDEN']));
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await token(),
    }).ready();
    const check = `import os\nprint(os.path.exists(${JSON.stringify(marker)}))`;
    expect((await d1.request('POST', `${base}/scratch_execute`, { body: { code: check } })).status).toBe(200);
    await ws.until((m) => m.some((x) => x.scratch_update?.output), 'the check');
    expect(ws.of('scratch_update').find((u) => u.output).output.text).toBe('False\n');
    expect(ws.of('kernel_restarted')).toEqual([]);
    ws.close();
  });

  it('change_working_directory and vars/{name} right after open reach the new kernel', async () => {
    mkdirSync(join(d1.rootDir, 'sub'), { recursive: true });
    const uuid = await open(['import os\nos.getcwd()']);
    const chdir = await d1.request('PATCH', `/notebooks/${uuid}/change_working_directory?directory=sub`);
    expect(chdir.status).toBe(200);
    const missing = await d1.request('GET', `/notebooks/${uuid}/vars/nothing_here`);
    expect(missing.status).toBe(404);
    expect(missing.json.reason).toBe('Variable nothing_here not found');
    await waitFor(
      async () =>
        (await d1.request('GET', `/notebooks/${uuid}`)).json.notebook.metadata.jupyter_d1
          .working_directory === join(d1.rootDir, 'sub'),
      'the working directory to follow',
    );
  });

  it('interrupt and restart right after open: one kernel for the notebook, and it runs', async () => {
    const before = await kernelIds(d1);
    const uuid = await open(['1 + 1']);
    const [interrupt, restart] = await Promise.all([
      d1.request('POST', `/notebooks/${uuid}/interrupt_kernel`),
      d1.request('POST', `/notebooks/${uuid}/restart_kernel`),
    ]);
    expect([interrupt.status, restart.status]).toEqual([204, 204]);
    const kernel = (await d1.request('GET', `/kernels/${uuid}`)).json.id;
    expect((await kernelIds(d1)).filter((id) => !before.includes(id))).toEqual([kernel]);
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await token(),
    }).ready();
    const cell = (await d1.request('GET', `/notebooks/${uuid}`)).json.notebook.cells[0].id;
    expect((await d1.request('POST', `/notebooks/${uuid}/cells/${cell}/execute`)).status).toBe(200);
    await ws.until((m) => m.some((x) => x.cell_execution_reply), 'the reply');
    expect(ws.of('cell_execution_reply')[0]).toMatchObject({ status: 'ok', execution_count: 1 });
    ws.close();
  });

  it('a kernel that cannot start: 503 KERNEL_UNAVAILABLE saying why, on every kernel request', async () => {
    const uuid = await open(['1 + 1'], 'broken');
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await token(),
    }).ready();
    const base = `/notebooks/${uuid}`;
    const cell = (await d1.request('GET', base)).json.notebook.cells[0].id;
    const calls = await Promise.all([
      d1.request('POST', `${base}/scratch_execute`, { body: { code: '1' } }),
      d1.request('POST', `${base}/complete`, { body: { code: 'pri' } }),
      d1.request('POST', `${base}/history`),
      d1.request('GET', `${base}/vars`),
      d1.request('GET', `${base}/vars/x`),
      d1.request('POST', `${base}/interrupt_kernel`),
      d1.request('GET', `/kernels/${uuid}`),
    ]);
    const reason = expect.stringMatching(
      new RegExp(
        `^The notebook's kernel could not start \\(.*No such file or directory: '${BROKEN_PYTHON}'.*\\); restart the kernel to try again$`,
      ),
    );
    for (const res of calls) {
      expect(res.status).toBe(503);
      expect(res.json).toEqual({ error: 'KERNEL_UNAVAILABLE', reason, detail: reason });
    }
    // Once known, execute says so at once instead of queueing the cell.
    const execute = await d1.request('POST', `${base}/cells/${cell}/execute`);
    expect(execute.status).toBe(503);
    expect(execute.json.reason).toEqual(reason);
    expect((await d1.request('GET', `/kernels/is_alive/${uuid}`)).json).toEqual({
      kernel_is_alive: false,
      kernel_id: uuid,
    });
    ws.send({ command: 'complete', command_id: 'ws-2', body: { code: 'pri' } });
    await ws.until((m) => m.some((x) => x.error), 'the error');
    expect(ws.of('error')).toEqual([{ message: reason, command_id: 'ws-2' }]);
    // Live, or in the greeting of a client that connected after the start failed: once either way.
    expect(ws.of('kernel_status')).toEqual([{ execution_state: 'dead', kernel_name: 'broken' }]);
    const late = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await token(),
    }).ready();
    await late.until((m) => m.length > 0, 'the greeting');
    expect(late.messages).toEqual([{ kernel_status: { execution_state: 'dead', kernel_name: 'broken' } }]);
    late.close();
    // The notebook itself is intact and still served.
    expect((await d1.request('GET', base)).json.notebook.cells.map((c: any) => c.source)).toEqual(['1 + 1']);
    ws.close();
  });

  it('a cell queued while the kernel starts runs once it is up', async () => {
    const uuid = await open(['21 * 2']);
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await token(),
    }).ready();
    const cell = (await d1.request('GET', `/notebooks/${uuid}`)).json.notebook.cells[0].id;
    expect((await d1.request('POST', `/notebooks/${uuid}/cells/${cell}/execute`)).status).toBe(200);
    await ws.until((m) => m.some((x) => x.cell_execution_reply), 'the reply');
    expect(ws.of('cell_execution_reply')[0]).toMatchObject({ status: 'ok', execution_count: 1 });
    const outputs = (await d1.request('GET', `/notebooks/${uuid}/cells/${cell}`)).json.cell.outputs;
    expect(outputs).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '42' }, metadata: {} },
    ]);
    ws.close();
  });
});
