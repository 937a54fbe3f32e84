import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useD1, TestD1, startD1, waitFor } from './support/d1';
import { childPids, pidAlive } from './support/kernels';
import { makeNotebook, uploadAndOpen } from './support/notebooks';
import { WsRecorder } from './support/ws';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A second spec with python3's argv: a notebook asking for it cannot use the pool's kernels. */
function otherSpec(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'd1-kernelspecs-')));
  mkdirSync(join(dir, 'kernels', 'other'), { recursive: true });
  const spec = {
    argv: ['/usr/bin/python3', '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
    display_name: 'Other Python',
    language: 'python',
  };
  writeFileSync(join(dir, 'kernels', 'other', 'kernel.json'), JSON.stringify(spec));
  return dir;
}

const pool = async (d1: TestD1) => (await d1.request('GET', '/kernels/pool')).json.kernel_pool;
const kernelIds = async (d1: TestD1): Promise<string[]> =>
  ((await d1.request('GET', '/kernels')).json as Array<{ id: string }>).map((k) => k.id);
const full = (d1: TestD1) => waitFor(async () => (await pool(d1)).ready === 1, 'the pool to fill', 30_000);

/** Opens a notebook (optionally in a directory, with a spec) and runs its one cell; returns uuid and outputs. */
async function openAndRun(d1: TestD1, source: string, query = ''): Promise<{ uuid: string; outputs: any[] }> {
  const name = `nb-${Math.random().toString(36).slice(2)}.ipynb`;
  const nb = await uploadAndOpen(d1, `filename=${name}${query}`, makeNotebook([source]));
  const uuid = nb.metadata.jupyter_d1.uuid as string;
  const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
    token: await d1.token(),
  }).ready();
  expect((await d1.request('POST', `/notebooks/${uuid}/cells/${nb.cells[0].id}/execute`)).status).toBe(200);
  await ws.until((m) => m.some((x) => x.cell_execution_reply), 'the cell to run');
  await ws.until(
    (m) => m.some((x) => x.cell_update?.[0]?.metadata.jupyter_d1.execution_state === 'idle'),
    'idle',
  );
  ws.close();
  const cell = (await d1.request('GET', `/notebooks/${uuid}/cells/${nb.cells[0].id}`)).json.cell;
  return { uuid, outputs: cell.outputs };
}

describe('the kernel pool', () => {
  let specs: string;
  const d1 = useD1(() => {
    specs = otherSpec();
    return { childEnv: { ...process.env, JUPYTER_PATH: specs } as Record<string, string> };
  });
  afterEach(async () => {
    expect((await d1.request('DELETE', '/notebooks')).status).toBe(204);
  });
  afterAll(async () => {
    rmSync(specs, { recursive: true, force: true });
  });

  it('GET /kernels/pool: one started kernel of the default spec, for read tokens only', async () => {
    await full(d1);
    expect(await pool(d1)).toEqual({ spec: 'python3', size: 1, ready: 1, starting: 0 });
    const reader = await d1.token({ read_access: true, write_access: false });
    expect((await d1.request('GET', '/kernels/pool', { auth: `Bearer ${reader}` })).status).toBe(200);
    expect((await d1.request('GET', '/kernels/pool', { auth: null })).status).toBe(401);
    const none = await d1.token({ read_access: false, write_access: false });
    expect((await d1.request('GET', '/kernels/pool', { auth: `Bearer ${none}` })).status).toBe(403);
  });

  /** The pool's kernel, once the pool is full and no notebook is open (so it is the only kernel). */
  async function pooledKernel(): Promise<string> {
    await full(d1);
    const ids = await kernelIds(d1);
    expect(ids).toHaveLength(1);
    return ids[0];
  }

  it('a notebook in the root takes the pool kernel, which is refilled with another', async () => {
    const pooled = await pooledKernel();
    const { uuid, outputs } = await openAndRun(d1, '1 + 1');
    expect((await d1.request('GET', `/kernels/${uuid}`)).json.id).toBe(pooled);
    expect(outputs).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} },
    ]);
    await full(d1);
    const now = await kernelIds(d1);
    expect(now).toHaveLength(2);
    expect(now).toContain(pooled);
  });

  it('a notebook in a subdirectory gets the pool kernel moved there before its first cell', async () => {
    const pooled = await pooledKernel();
    mkdirSync(join(d1.rootDir, 'deep', 'er'), { recursive: true });
    const { uuid, outputs } = await openAndRun(d1, 'import os\nos.getcwd()', '&directory=deep/er');
    expect((await d1.request('GET', `/kernels/${uuid}`)).json.id).toBe(pooled);
    expect(outputs).toEqual([
      {
        output_type: 'execute_result',
        execution_count: 1,
        data: { 'text/plain': `'${join(d1.rootDir, 'deep', 'er')}'` },
        metadata: {},
      },
    ]);
  });

  it('a notebook with another spec starts its own kernel; the pool keeps its one', async () => {
    const pooled = await pooledKernel();
    const { uuid, outputs } = await openAndRun(d1, '3 * 3', '&kspec_name=other');
    expect(outputs[0].data).toEqual({ 'text/plain': '9' });
    const kernel = (await d1.request('GET', `/kernels/${uuid}`)).json;
    expect(kernel.name).toBe('other');
    expect(kernel.id).not.toBe(pooled);
    expect(await pool(d1)).toEqual({ spec: 'python3', size: 1, ready: 1, starting: 0 });
    expect(await kernelIds(d1)).toEqual(expect.arrayContaining([pooled, kernel.id]));
  });

  it('closing d1 while the pool refills leaves no kernel process behind', async () => {
    const own = await startD1();
    await full(own);
    const jupyterPid = (await own.request('GET', '/server/jupyter')).json.server_info.pid as number;
    await openAndRun(own, 'x = 1');
    // The pool starts a new kernel now; d1 goes while it starts.
    const pids = childPids(jupyterPid);
    expect(pids.length).toBeGreaterThanOrEqual(1);
    await own.close();
    for (const pid of [jupyterPid, ...pids]) await waitFor(() => !pidAlive(pid), `pid ${pid} to exit`);
  });

  it('--kernel-pool 0 keeps no kernel', async () => {
    const off = await startD1({ kernelPool: 0 });
    try {
      expect(await pool(off)).toEqual({ spec: null, size: 0, ready: 0, starting: 0 });
      expect(await kernelIds(off)).toEqual([]);
      const { outputs } = await openAndRun(off, '2 ** 5');
      expect(outputs[0].data).toEqual({ 'text/plain': '32' });
      expect(await pool(off)).toEqual({ spec: null, size: 0, ready: 0, starting: 0 });
    } finally {
      await off.close();
    }
  });
});
