import { useD1, waitFor } from './support/d1';
import {
  childPids,
  executeInput,
  executeStream,
  expectExecutionShape,
  pidAlive,
  report,
} from './support/kernels';

interface ServerInfo {
  pid: number;
  port: number;
  status: string;
  restarts: number;
}

describe('the embedded Jupyter Server is supervised', () => {
  const d1 = useD1();
  const kernels: string[] = [];

  const serverInfo = async (): Promise<ServerInfo> =>
    (await d1.request('GET', '/server/jupyter')).json.server_info as ServerInfo;

  d1.beforeClose(async () => {
    for (const id of kernels) await d1.request('DELETE', `/kernels/${id}`);
  });

  it('kill -9 of Jupyter Server: d1 restarts it, /readyz recovers, old kernels go, new ones run', async () => {
    const started = await d1.request('POST', '/kernels', { body: {} });
    expect(started.status).toBe(201);
    const before = await serverInfo();
    expect(before).toMatchObject({ status: 'running', restarts: 0 });
    const oldKernelPids = childPids(before.pid);
    expect(oldKernelPids.length).toBeGreaterThanOrEqual(1);

    const killedAt = Date.now();
    process.kill(before.pid, 'SIGKILL');
    const after = await waitFor(
      async () => {
        const info = await serverInfo();
        return info.pid !== before.pid && info.status === 'running' ? info : null;
      },
      'a new Jupyter Server process',
      30_000,
    );
    await waitFor(async () => (await d1.request('GET', '/readyz', { auth: null })).status === 200, '/readyz');
    report(`Jupyter Server back and /readyz 200 ${Date.now() - killedAt} ms after kill -9`);
    expect(after.restarts).toBeGreaterThanOrEqual(1);
    expect(after.port).toBe(before.port);
    expect(pidAlive(before.pid)).toBe(false);
    // The old kernels lost their server; none may linger as an orphan.
    for (const pid of oldKernelPids) await waitFor(() => !pidAlive(pid), `old kernel ${pid} to exit`, 10_000);

    expect((await d1.request('GET', `/kernels/${started.json.id}`)).status).toBe(404);
    const fresh = await d1.request('POST', '/kernels', { body: {} });
    expect(fresh.status).toBe(201);
    kernels.push(fresh.json.id);
    const run = await executeStream(d1, fresh.json.id, '21*2');
    const outputs = expectExecutionShape(run.lines);
    expect(outputs.map((l) => l.content.data?.['text/plain'])).toEqual(['42']);
    expect(executeInput(run.lines).content.execution_count).toBe(1);
  });
});
