import { useD1, waitFor } from './support/d1';
import {
  ExecLine,
  childPids,
  executeInput,
  executeStream,
  expectExecutionShape,
  kinds,
  median,
  report,
  pidAlive,
} from './support/kernels';

const ERROR_JSON = { error: expect.any(String), reason: expect.any(String), detail: expect.anything() };
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('kernels: specs, lifecycle and streaming execute against a real Jupyter Server', () => {
  const d1 = useD1();
  let kernelId: string;
  const started: string[] = [];

  async function startKernel(): Promise<string> {
    const res = await d1.request('POST', '/kernels', { body: { name: 'python3' } });
    expect(res.status).toBe(201);
    started.push(res.json.id);
    return res.json.id as string;
  }

  beforeAll(async () => {
    const t0 = Date.now();
    kernelId = await startKernel();
    report(`kernel start (POST /kernels until kernel_info answered): ${Date.now() - t0} ms`);
  });

  d1.beforeClose(async () => {
    for (const id of started) await d1.request('DELETE', `/kernels/${id}`);
  });

  it('POST /kernels answers 201 with the kernel model; GET /kernels and /kernels/{id} show it', async () => {
    const model = (await d1.request('GET', `/kernels/${kernelId}`)).json;
    expect(model).toEqual({
      id: kernelId,
      name: 'python3',
      last_activity: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      execution_state: expect.any(String),
      connections: expect.any(Number),
    });
    const list = await d1.request('GET', '/kernels');
    expect(list.status).toBe(200);
    expect(list.json.map((k: { id: string }) => k.id)).toContain(kernelId);
  });

  it('GET /kernels/specs lists python3 first, in d1 shape, with its real resource_dir', async () => {
    const res = await d1.request('GET', '/kernels/specs');
    expect(res.status).toBe(200);
    expect(Object.keys(res.json)).toEqual(['kernel_specs']);
    expect(res.json.kernel_specs[0]).toEqual({
      kernel_name: 'python3',
      resource_dir: '/usr/share/jupyter/kernels/python3',
      order: 0,
      spec: {
        display_name: 'Python 3 (ipykernel)',
        language: 'python',
        interrupt_mode: 'signal',
        metadata: expect.any(Object),
        argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
        env: {},
      },
    });
    res.json.kernel_specs.forEach((s: { order: number }, i: number) => expect(s.order).toBe(i));
  });

  it('GET /kernels/is_alive/{id} says whether the kernel runs', async () => {
    expect((await d1.request('GET', `/kernels/is_alive/${kernelId}`)).json).toEqual({
      kernel_is_alive: true,
      kernel_id: kernelId,
    });
    expect((await d1.request('GET', `/kernels/is_alive/${UNKNOWN}`)).json).toEqual({
      kernel_is_alive: false,
      kernel_id: UNKNOWN,
    });
  });

  it('GET /kernels/idle gives {idle, last_idle} with a naive microsecond timestamp', async () => {
    const res = await d1.request('GET', '/kernels/idle');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      idle: true,
      last_idle: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/),
    });
  });

  it('print("hi") streams busy, execute_input, stream, then reply and idle', async () => {
    const res = await executeStream(d1, kernelId, 'print("hi")');
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/x-ndjson/);
    const outputs = expectExecutionShape(res.lines);
    expect(kinds(outputs)).toEqual(['iopub:stream']);
    expect(outputs[0].content).toEqual({ name: 'stdout', text: 'hi\n' });
    const reply = res.lines.find((l) => l.msg_type === 'execute_reply')!;
    expect(reply.content).toMatchObject({ status: 'ok', execution_count: expect.any(Number) });
    expect(executeInput(res.lines).content).toEqual({
      code: 'print("hi")',
      execution_count: reply.content.execution_count,
    });
  });

  it('unicode code and output survive the round trip', async () => {
    const res = await executeStream(d1, kernelId, 'print("héllo wörld 😀 ✓ 中文")');
    const outputs = expectExecutionShape(res.lines);
    expect(outputs.map((l) => l.content.text)).toEqual(['héllo wörld 😀 ✓ 中文\n']);
    expect(executeInput(res.lines).content.code).toBe('print("héllo wörld 😀 ✓ 中文")');
  });

  it('1+1 streams an execute_result of 2', async () => {
    const res = await executeStream(d1, kernelId, '1+1');
    const outputs = expectExecutionShape(res.lines);
    expect(kinds(outputs)).toEqual(['iopub:execute_result']);
    expect(outputs[0].content).toMatchObject({ data: { 'text/plain': '2' }, metadata: {} });
  });

  it('display(raw=True) streams a display_data', async () => {
    const code = 'from IPython.display import display; display({"text/plain": "x"}, raw=True)';
    const outputs = expectExecutionShape((await executeStream(d1, kernelId, code)).lines);
    expect(kinds(outputs)).toEqual(['iopub:display_data']);
    expect(outputs[0].content).toEqual({ data: { 'text/plain': 'x' }, metadata: {}, transient: {} });
  });

  it('1/0 streams an error and an error reply', async () => {
    const res = await executeStream(d1, kernelId, '1/0');
    const outputs = expectExecutionShape(res.lines);
    expect(kinds(outputs)).toEqual(['iopub:error']);
    expect(outputs[0].content).toMatchObject({ ename: 'ZeroDivisionError', evalue: 'division by zero' });
    const reply = res.lines.find((l) => l.msg_type === 'execute_reply')!;
    expect(reply.content).toMatchObject({ status: 'error', ename: 'ZeroDivisionError' });
  });

  it('POST /kernels/{id}/interrupt ends time.sleep(30) with KeyboardInterrupt; idle is false meanwhile', async () => {
    let interruptedAt = 0;
    let errorAt = 0;
    let interrupt: Promise<number> | null = null;
    const res = await executeStream(d1, kernelId, 'import time; time.sleep(30)', (line: ExecLine) => {
      if (line.msg_type === 'execute_input') {
        interrupt = (async () => {
          await waitFor(async () => (await d1.request('GET', '/kernels/idle')).json.idle === false, 'busy');
          interruptedAt = Date.now();
          return (await d1.request('POST', `/kernels/${kernelId}/interrupt`)).status;
        })();
      }
      if (line.msg_type === 'error') errorAt = Date.now();
    });
    expect(await interrupt).toBe(204);
    const outputs = expectExecutionShape(res.lines);
    expect(outputs.find((l) => l.msg_type === 'error')?.content.ename).toBe('KeyboardInterrupt');
    report(
      `interrupt: KeyboardInterrupt ${errorAt - interruptedAt} ms after the interrupt request, ` +
        `stream ended after ${res.endedAt - interruptedAt} ms`,
    );
    expect((await d1.request('GET', '/kernels/idle')).json.idle).toBe(true);
  });

  it('POST /kernels/{id}/restart resets execution_count to 1', async () => {
    const before = await executeStream(d1, kernelId, 'x = 1');
    expect(executeInput(before.lines).content.execution_count).toBeGreaterThan(1);
    expect((await d1.request('POST', `/kernels/${kernelId}/restart`)).status).toBe(204);
    const after = await executeStream(d1, kernelId, 'x = 2');
    expectExecutionShape(after.lines);
    expect(executeInput(after.lines).content.execution_count).toBe(1);
  });

  it('`1+1` NDJSON round trip, 50 runs (printed, not asserted)', async () => {
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      const res = await executeStream(d1, kernelId, '1+1');
      times.push(performance.now() - t0);
      expect(res.lines.length).toBe(5);
    }
    report(`1+1 NDJSON round trip: median ${median(times).toFixed(1)} ms over ${times.length} runs`);
  });

  it('executing on an unknown kernel is a 404 error JSON, not a stream', async () => {
    const res = await executeStream(d1, UNKNOWN, '1+1');
    expect(res.status).toBe(404);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.json).toEqual({ ...ERROR_JSON, error: 'NOT_FOUND', reason: `Kernel not found: ${UNKNOWN}` });
  });

  it('d1 GET and POST /kernels/interrupt|restart/{id} answer 204; unknown ids 404', async () => {
    for (const action of ['interrupt', 'restart']) {
      for (const method of ['GET', 'POST']) {
        const ok = await d1.request(method, `/kernels/${action}/${kernelId}`);
        expect({ action, method, status: ok.status, text: ok.text }).toEqual({
          action,
          method,
          status: 204,
          text: '',
        });
        const missing = await d1.request(method, `/kernels/${action}/${UNKNOWN}`);
        expect(missing.status).toBe(404);
        expect(missing.json).toEqual({ ...ERROR_JSON, error: 'NOT_FOUND' });
      }
    }
    const res = await executeStream(d1, kernelId, '1+1');
    expect(executeInput(res.lines).content.execution_count).toBe(1);
  });

  it('d1 GET and POST /kernels/shutdown/{id} stop the kernel (204), then 404', async () => {
    for (const method of ['GET', 'POST']) {
      const id = await startKernel();
      expect((await d1.request(method, `/kernels/shutdown/${id}`)).status).toBe(204);
      expect((await d1.request('GET', `/kernels/is_alive/${id}`)).json.kernel_is_alive).toBe(false);
      expect((await d1.request(method, `/kernels/shutdown/${id}`)).status).toBe(404);
    }
  });

  it('DELETE /kernels/{id} stops the kernel process; a second DELETE is 404', async () => {
    const id = await startKernel();
    const jupyterPid = (await d1.request('GET', '/server/jupyter')).json.server_info.pid as number;
    const before = new Set(childPids(jupyterPid));
    expect((await d1.request('DELETE', `/kernels/${id}`)).status).toBe(204);
    const second = await d1.request('DELETE', `/kernels/${id}`);
    expect(second.status).toBe(404);
    expect(second.json).toEqual({ ...ERROR_JSON, error: 'NOT_FOUND', reason: `Kernel not found: ${id}` });
    expect((await d1.request('GET', `/kernels/${id}`)).status).toBe(404);
    const kernelPids = [...before].filter((p) => !childPids(jupyterPid).includes(p));
    for (const pid of kernelPids) await waitFor(() => !pidAlive(pid), `kernel pid ${pid} to exit`);
  });

  it('GET /server/version and /server/jupyter report d1 and its embedded server', async () => {
    expect((await d1.request('GET', '/server/version')).json).toEqual({
      version: { major: expect.any(Number), minor: expect.any(Number), micro: expect.any(Number) },
    });
    const info = (await d1.request('GET', '/server/jupyter')).json.server_info;
    expect(info).toEqual({
      mode: 'embedded',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/$/),
      pid: expect.any(Number),
      port: expect.any(Number),
      root_dir: d1.rootDir,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      status: 'running',
      restarts: 0,
    });
    expect(info.url).toBe(`http://127.0.0.1:${info.port}/`);
    expect(pidAlive(info.pid)).toBe(true);
  });

  it('serves OpenAPI: /docs is HTML and /docs-json lists the kernel routes', async () => {
    const html = await d1.request('GET', '/docs', { auth: null });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const doc = await d1.request('GET', '/docs-json', { auth: null });
    expect(doc.status).toBe(200);
    expect(doc.json.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining(['/kernels/specs', '/kernels/{id}/execute', '/login/access-token']),
    );
  });
});
