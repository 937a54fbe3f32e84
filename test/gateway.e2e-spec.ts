import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sessionStatePath } from '../apps/d1/src/execution/session-state';
import { useD1, TestD1, startD1, waitFor } from './support/d1';
import { TestGateway, startGateway } from './support/gateway';
import { WsRecorder } from './support/ws';

/* eslint-disable @typescript-eslint/no-explicit-any */

async function runCell(d1: TestD1, uuid: string, cellId: string, ws: WsRecorder): Promise<any> {
  const seen = ws.messages.length;
  const res = await d1.request('GET', `/notebooks/${uuid}/cells/${cellId}/execute`);
  expect(res.status).toBe(200);
  await ws.until(
    (m) => m.slice(seen).some((x) => x.cell_update?.[0]?.metadata.jupyter_d1.execution_state === 'idle'),
    'the cell to go idle',
  );
  return (await d1.request('GET', `/notebooks/${uuid}/cells/${cellId}`)).json.cell;
}

describe('kernels in a remote gateway', () => {
  let gateway: TestGateway;
  let stateHome: string;

  beforeAll(async () => {
    gateway = await startGateway();
    stateHome = realpathSync(mkdtempSync(join(tmpdir(), 'd1-gateway-state-')));
  }, 60_000);
  const d1 = useD1(
    () => {
      const childEnv = { ...process.env, XDG_STATE_HOME: stateHome } as Record<string, string>;
      return { gatewayUrl: gateway.url, gatewayToken: gateway.token, childEnv };
    },
    { timeoutMs: 60_000 },
  );
  d1.beforeClose(async () => {
    await d1.request('DELETE', '/notebooks');
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(stateHome, { recursive: true, force: true });
  });

  it('starts no local Jupyter Server and reports gateway mode', async () => {
    const info = await d1.request('GET', '/server/jupyter');
    expect(info.json.server_info).toMatchObject({
      mode: 'gateway',
      url: gateway.url,
      pid: null,
      status: 'running',
    });
    expect((await d1.request('GET', '/server/processes')).json).toEqual({ processes: [] });
    expect((await d1.request('GET', '/proxy/jupyter/api/status')).status).toBe(404);
    expect((await d1.request('GET', '/readyz', { auth: null })).status).toBe(200);
  });

  it('opens, executes and broadcasts notebooks with kernels that live in the gateway, and recovers from its outage', async () => {
    const created = await d1.request('POST', '/notebooks/create?filename=x.ipynb');
    expect(created.status).toBe(201);
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid;
    const cell = await d1.request('POST', `/notebooks/${uuid}/cells`, { body: { source: '1+1' } });
    const cellId = cell.json.cell.id;
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await d1.token(),
    }).ready();
    const done = await runCell(d1, uuid, cellId, ws);
    expect(done.outputs).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} },
    ]);
    const kernels = await gateway.kernels();
    expect(kernels.length).toBeGreaterThanOrEqual(1);
    const headless = await d1.request('POST', '/kernels', { body: { name: 'python3' } });
    expect(headless.status).toBe(201);
    expect(await gateway.kernels()).toContain(headless.json.id);

    await gateway.process.stop();
    const ready = await d1.request('GET', '/readyz', { auth: null });
    expect(ready.status).toBe(503);
    expect(ready.json).toMatchObject({ error: 'KERNEL_UNAVAILABLE' });
    expect(ready.json.reason).toContain(gateway.url);
    const t0 = Date.now();
    const start = await d1.request('POST', '/kernels', { body: { name: 'python3' } });
    expect(start.status).toBe(503);
    expect(start.json.error).toBe('KERNEL_UNAVAILABLE');
    expect(start.json.reason).toContain(`kernel gateway ${gateway.url}`);
    process.stdout.write(`503 with retries while the gateway is down: ${Date.now() - t0} ms\n`);
    expect((await d1.request('GET', '/server/jupyter')).json.server_info.status).toBe('unreachable');

    await gateway.process.start();
    await waitFor(async () => (await d1.request('GET', '/readyz', { auth: null })).status === 200, 'readyz');
    const again = await d1.request('POST', '/kernels', { body: { name: 'python3' } });
    expect(again.status).toBe(201);
    expect(await gateway.kernels()).toContain(again.json.id);
    // The restarted gateway lost the notebook's kernel: d1 gives the notebook a fresh one that lives there.
    await ws.until(
      (m) => m.some((x) => x.kernel_status?.execution_state === 'restarting'),
      'the notebook kernel to be replaced',
    );
    const rerun = await waitFor(async () => {
      const c = await runCell(d1, uuid, cellId, ws);
      return c.outputs[0]?.output_type === 'execute_result' ? c : null;
    }, 'the cell to run on the new kernel');
    expect(rerun.outputs[0].data).toEqual({ 'text/plain': '2' });
    ws.close();
  }, 90_000);
});

describe('a d1 restart keeps the notebooks and kernels that live in a gateway', () => {
  let gateway: TestGateway;
  let rootDir: string;
  let stateHome: string;
  const apps: TestD1[] = [];
  const jwtSecret = 'restart-secret-' + Math.random().toString(36).slice(2);

  /** A d1 on the same root dir, gateway, signing key and state directory each time. */
  const start = async (): Promise<TestD1> => {
    const d1 = await startD1({
      rootDir,
      gatewayUrl: gateway.url,
      gatewayToken: gateway.token,
      jwtSecret,
      childEnv: { ...process.env, XDG_STATE_HOME: stateHome } as Record<string, string>,
    });
    apps.push(d1);
    return d1;
  };
  const stateFiles = (): string[] =>
    existsSync(join(stateHome, 'd1'))
      ? readdirSync(join(stateHome, 'd1')).filter((f) => f.endsWith('.json'))
      : [];
  const poolReady = (d1: TestD1) =>
    waitFor(async () => (await d1.request('GET', '/kernels/pool')).json.kernel_pool.ready === 1, 'the pool');

  beforeAll(async () => {
    gateway = await startGateway();
    rootDir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-restart-root-')));
    stateHome = realpathSync(mkdtempSync(join(tmpdir(), 'd1-restart-state-')));
  }, 60_000);
  afterAll(async () => {
    for (const d1 of apps) await d1.close().catch(() => undefined);
    await gateway?.stop();
    rmSync(rootDir, { recursive: true, force: true });
    rmSync(stateHome, { recursive: true, force: true });
  });

  it('x = 41, restart d1, x + 1 gives 42 in the same notebook; a ?since client gets a snapshot', async () => {
    const first = await start();
    const created = await first.request('POST', '/notebooks/create?filename=kept.ipynb');
    const uuid = created.json.notebook.metadata.jupyter_d1.uuid as string;
    const a = (await first.request('POST', `/notebooks/${uuid}/cells`, { body: { source: 'x = 41' } })).json
      .cell.id;
    const token = await first.token();
    const ws = await new WsRecorder(`${first.wsUrl}/notebooks/${uuid}/ws/notebook?since=0`, {
      token,
    }).ready();
    await runCell(first, uuid, a, ws);
    const kernel = (await first.request('GET', `/kernels/${uuid}`)).json.id as string;
    await poolReady(first);
    const seen = (await first.request('GET', `/notebooks/${uuid}`)).json.version as number;
    expect(ws.messages.at(-1)?.version).toBe(seen);
    // The state lives outside the root dir, readable by this user only; WebDAV does not see it.
    const [file] = stateFiles();
    expect(statSync(join(stateHome, 'd1', file)).mode & 0o777).toBe(0o600);
    expect(statSync(join(stateHome, 'd1')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(join(stateHome, 'd1', file), 'utf8')).notebooks).toEqual([
      expect.objectContaining({ uuid, path: join(rootDir, 'kept.ipynb'), kernel_id: kernel }),
    ]);
    expect(readdirSync(rootDir)).toEqual(['kept.ipynb']);

    await first.close();
    ws.close();
    // The notebook's kernel stays in the gateway for the next d1; the pool's does not.
    expect(await gateway.kernels()).toEqual([kernel]);

    const second = await start();
    expect(
      (await second.request('GET', '/notebooks')).json.notebooks.map((n: any) => n.metadata.jupyter_d1.uuid),
    ).toEqual([uuid]);
    expect((await second.request('GET', `/kernels/${uuid}`)).json.id).toBe(kernel);
    // The old token still works (same signing key); the old version cannot pass for a new one.
    const back = await new WsRecorder(`${second.wsUrl}/notebooks/${uuid}/ws/notebook?since=${seen}`, {
      token,
    }).ready();
    await back.until((m) => m.length > 0, 'the resync');
    const served = (await second.request('GET', `/notebooks/${uuid}`)).json;
    expect(back.messages[0]).toEqual({
      notebook_snapshot: { version: served.version, notebook: served.notebook },
      version: served.version,
    });
    expect(served.version).toBeGreaterThan(seen);
    const b = (await second.request('POST', `/notebooks/${uuid}/cells`, { body: { source: 'x + 1' } })).json
      .cell.id;
    const cell = await runCell(second, uuid, b, back);
    expect(cell.outputs).toEqual([
      { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '42' }, metadata: {} },
    ]);
    back.close();

    // Closing the notebook ends its kernel; nothing is left to keep.
    expect((await second.request('DELETE', `/notebooks/${uuid}`)).status).toBe(204);
    await poolReady(second);
    await second.close();
    expect(await gateway.kernels()).toEqual([]);
    expect(stateFiles()).toEqual([]);
  }, 120_000);

  it('a state file that is not d1 state, or names a file outside the root dir, opens nothing', async () => {
    const file = sessionStatePath({ XDG_STATE_HOME: stateHome }, rootDir, gateway.url);
    mkdirSync(join(stateHome, 'd1'), { recursive: true, mode: 0o700 });
    const outside = {
      uuid: '11111111-2222-4333-8444-555555555555',
      path: '/etc/hosts',
      autosave: true,
      kernelspec: 'python3',
      kernel_id: null,
      version: 3,
    };
    const states = [
      '{"format": 1, "notebooks": "../../etc"}',
      'not json',
      JSON.stringify({
        format: 1,
        root_dir: rootDir,
        gateway_url: gateway.url,
        notebooks: [outside],
        stale_kernels: [],
      }),
    ];
    for (const text of states) {
      writeFileSync(file, text);
      const d1 = await start();
      expect((await d1.request('GET', '/notebooks')).json.notebooks).toEqual([]);
      expect((await d1.request('GET', '/readyz', { auth: null })).status).toBe(200);
      await d1.close();
    }
    expect(stateFiles()).toEqual([]);
    expect(await gateway.kernels()).toEqual([]);
  }, 120_000);
});
