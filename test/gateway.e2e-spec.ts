import { freePort, SupervisedProcess } from '@d1/supervisor';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jupyterServerArgs } from '../apps/d1/src/server/jupyter-args';
import { startD1, TestD1, waitFor } from './support/d1';
import { WsRecorder } from './support/ws';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A second, separately started Jupyter Server that plays the remote kernel gateway. */
function gatewayServer(port: number, token: string, rootDir: string): SupervisedProcess {
  const args = [...jupyterServerArgs(port, rootDir), `--ServerApp.token=${token}`];
  return new SupervisedProcess({
    name: 'gateway',
    command: ['/usr/bin/jupyter', ...args],
    port,
    environment: { PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    readiness: { url: `/api/status?token=${token}`, timeoutMs: 30_000, accept: (s) => s === 200 },
    restart: { enabled: false },
    stopSignalGraceMs: 3000,
  });
}

describe('kernels in a remote gateway', () => {
  const token = 'gateway-token-' + Math.random().toString(36).slice(2);
  let gatewayRoot: string;
  let gateway: SupervisedProcess;
  let gatewayUrl: string;
  let d1: TestD1;

  const gatewayKernels = async (): Promise<string[]> => {
    const res = await fetch(`${gatewayUrl}/api/kernels`, { headers: { authorization: `token ${token}` } });
    return ((await res.json()) as Array<{ id: string }>).map((k) => k.id);
  };

  beforeAll(async () => {
    gatewayRoot = realpathSync(mkdtempSync(join(tmpdir(), 'd1-gateway-')));
    const port = await freePort();
    gatewayUrl = `http://127.0.0.1:${port}`;
    gateway = gatewayServer(port, token, gatewayRoot);
    await gateway.start();
    d1 = await startD1({ gatewayUrl, gatewayToken: token });
  }, 60_000);
  afterAll(async () => {
    await d1?.close();
    await gateway?.stop();
    rmSync(gatewayRoot, { recursive: true, force: true });
  });

  it('starts no local Jupyter Server and reports gateway mode', async () => {
    const info = await d1.request('GET', '/server/jupyter');
    expect(info.json.server_info).toMatchObject({
      mode: 'gateway',
      url: gatewayUrl,
      pid: null,
      status: 'running',
    });
    expect((await d1.request('GET', '/server/processes')).json).toEqual({ processes: [] });
    expect((await d1.request('GET', '/proxy/jupyter/api/status')).status).toBe(404);
    expect((await d1.request('GET', '/readyz', { auth: null })).status).toBe(200);
  });

  async function runCell(uuid: string, cellId: string, ws: WsRecorder): Promise<any> {
    const seen = ws.messages.length;
    const res = await d1.request('GET', `/notebooks/${uuid}/cells/${cellId}/execute`);
    expect(res.status).toBe(200);
    await ws.until(
      (m) => m.slice(seen).some((x) => x.cell_update?.[0]?.metadata.jupyter_d1.execution_state === 'idle'),
      'the cell to go idle',
    );
    return (await d1.request('GET', `/notebooks/${uuid}/cells/${cellId}`)).json.cell;
  }

  it('opens, executes and broadcasts notebooks with kernels that live in the gateway, and recovers from its outage', async () => {
    const created = await d1.request('POST', '/notebooks/create?filename=x.ipynb');
    expect(created.status).toBe(201);
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    const cell = await d1.request('POST', `/notebooks/${uuid}/cells`, { body: { source: '1+1' } });
    const cellId = cell.json.cell.id;
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await d1.token(),
    }).ready();
    const done = await runCell(uuid, cellId, ws);
    expect(done.outputs).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} },
    ]);
    const kernels = await gatewayKernels();
    expect(kernels.length).toBeGreaterThanOrEqual(1);
    const headless = await d1.request('POST', '/kernels', { body: { name: 'python3' } });
    expect(headless.status).toBe(201);
    expect(await gatewayKernels()).toContain(headless.json.id);

    await gateway.stop();
    const ready = await d1.request('GET', '/readyz', { auth: null });
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ error: 'KERNEL_UNAVAILABLE' });
    expect(ready.json.reason).toContain(gatewayUrl);
    const t0 = Date.now();
    const start = await d1.request('POST', '/kernels', { body: { name: 'python3' } });
    expect(start.status).toBe(503);
    expect(start.json.error).toBe('KERNEL_UNAVAILABLE');
    expect(start.json.reason).toContain(`kernel gateway ${gatewayUrl}`);
    process.stdout.write(`503 with retries while the gateway is down: ${Date.now() - t0} ms\n`);
    expect((await d1.request('GET', '/server/jupyter')).json.server_info.status).toBe('unreachable');

    await gateway.start();
    await waitFor(async () => (await d1.request('GET', '/readyz', { auth: null })).status === 200, 'readyz');
    const again = await d1.request('POST', '/kernels', { body: { name: 'python3' } });
    expect(again.status).toBe(201);
    expect(await gatewayKernels()).toContain(again.json.id);
    // The restarted gateway lost the notebook's kernel: d1 gives the notebook a fresh one that lives there.
    await ws.until(
      (m) => m.some((x) => x.kernel_status?.execution_state === 'restarting'),
      'the notebook kernel to be replaced',
    );
    const rerun = await waitFor(async () => {
      const c = await runCell(uuid, cellId, ws);
      return c.outputs[0]?.output_type === 'execute_result' ? c : null;
    }, 'the cell to run on the new kernel');
    expect(rerun.outputs[0].data).toEqual({ 'text/plain': '2' });
    ws.close();
  }, 90_000);
});
