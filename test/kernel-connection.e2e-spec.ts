import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useD1, waitFor } from './support/d1';
import {
  Session,
  expectConsistent,
  gate,
  openSession,
  outputsOf,
  sequence,
  untilAll,
} from './support/execution';
import { TestGateway, startGateway } from './support/gateway';
import { report } from './support/kernels';
import { TcpRelay } from './support/tcp-relay';

/* eslint-disable @typescript-eslint/no-explicit-any */

const NOTE = {
  output_type: 'stream',
  name: 'stderr',
  text: '[d1: the connection to the kernel was lost while this cell ran; output may be missing]\n',
};

/** Every client saw the cell reach idle after its `from`-th message. */
const idleAfter = (s: Session, cell: number, from: number) => (m: any[]) =>
  sequence(s, m.slice(from)).includes(`update c${cell} idle`);

/** Runs a cell and waits until every client saw it idle; returns its outputs. */
async function run(s: Session, cell: number): Promise<any[]> {
  const from = s.clients[0].messages.length;
  await s.execute(cell);
  await untilAll(s, idleAfter(s, cell, from), `cell ${cell} to run`);
  return outputsOf(s, cell);
}

/** The cell_execution_replies of one cell, as clients received them. */
const repliesOf = (s: Session, cell: number) =>
  s.clients[0].of('cell_execution_reply').filter((r: any) => r.cell_id === s.cellIds[cell]);

describe('a lost kernel connection: the embedded Jupyter Server', () => {
  const d1 = useD1();
  const sessions: Session[] = [];
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close();
  });

  const session = async (cells: string[]) => {
    const s = await openSession(d1, cells);
    sessions.push(s);
    return s;
  };

  it('its connections killed from the server side (ss -K) mid-execution: the cell ends with its outputs, the next runs', async () => {
    const s = await session([
      'import time\nfor i in range(8):\n    print(i, flush=True)\n    time.sleep(0.2)',
      '6 * 7',
    ]);
    const port = (await d1.request('GET', '/server/jupyter')).json.server_info.port as number;
    await s.execute(0);
    await untilAll(s, (m) => sequence(s, m).includes('update c0 busy +out'), 'the first line');
    const t0 = Date.now();
    const killed = execFileSync('ss', ['-K', '-t', 'sport', '=', `:${port}`], { encoding: 'utf8' });
    expect(killed).toContain(`127.0.0.1:${port}`);
    await untilAll(s, idleAfter(s, 0, 0), 'the cell to end', 15_000);
    report(`ss -K mid-execution: cell idle ${Date.now() - t0} ms after the cut`);
    const outputs = await outputsOf(s, 0);
    // Jupyter Server replays what it held back while no websocket was open; anything lost on the wire is
    // noted. Either way the lines that arrived stay, in order.
    expect(outputs[0].text.startsWith('0\n')).toBe(true);
    expect('01234567'.startsWith(outputs[0].text.replace(/\n/g, ''))).toBe(true);
    if (outputs.length > 1) expect(outputs.slice(1)).toEqual([NOTE]);
    expect(repliesOf(s, 0)).toHaveLength(1);
    expect(await run(s, 1)).toEqual([
      { output_type: 'execute_result', execution_count: 2, data: { 'text/plain': '42' }, metadata: {} },
    ]);
    await expectConsistent(s);
  });

  it('Jupyter Server restarted mid-execution: the cell ends with its outputs and an error, a new kernel runs the next', async () => {
    const s = await session(['import time\nprint("started", flush=True)\ntime.sleep(60)', '1 + 1']);
    await s.execute(0);
    await untilAll(s, (m) => sequence(s, m).includes('update c0 busy +out'), 'the cell to print');
    const t0 = Date.now();
    const restart = await d1.request('POST', '/server/processes/jupyter/restart');
    expect(restart.status).toBeLessThan(300);
    await untilAll(s, idleAfter(s, 0, 0), 'the cell to end', 30_000);
    report(`Jupyter Server restart mid-execution: cell idle ${Date.now() - t0} ms after the restart call`);
    // Jupyter Server interrupts its kernels as it shuts down; one that dies first ends as a dead kernel.
    const [printed, error] = await outputsOf(s, 0);
    expect(printed).toEqual({ output_type: 'stream', name: 'stdout', text: 'started\n' });
    expect(error).toMatchObject({ output_type: 'error' });
    expect(['KeyboardInterrupt', 'DeadKernelError']).toContain(error.ename);
    expect(repliesOf(s, 0)).toEqual([expect.objectContaining({ status: 'error' })]);
    await untilAll(s, (m) => sequence(s, m).includes('kernel_status idle'), 'the new kernel');
    expect(await run(s, 1)).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '2' }, metadata: {} },
    ]);
    await expectConsistent(s);
  });
});

describe('a lost kernel connection: a gateway behind a relay that loses data', () => {
  let gateway: TestGateway;
  let relay: TcpRelay;
  const sessions: Session[] = [];
  let stateHome: string;
  beforeAll(async () => {
    gateway = await startGateway();
    relay = await TcpRelay.start(gateway.port);
    stateHome = realpathSync(mkdtempSync(join(tmpdir(), 'd1-connection-state-')));
  }, 60_000);
  const d1 = useD1(
    () => ({
      gatewayUrl: `http://127.0.0.1:${relay.port}`,
      gatewayToken: gateway.token,
      childEnv: { ...process.env, XDG_STATE_HOME: stateHome } as Record<string, string>,
    }),
    { timeoutMs: 60_000 },
  );
  afterEach(async () => {
    for (const s of sessions.splice(0)) await s.close();
  });
  afterAll(async () => {
    await relay?.close();
    await gateway?.stop();
    rmSync(stateHome, { recursive: true, force: true });
  });

  const session = async (cells: string[]) => {
    const s = await openSession(d1, cells);
    sessions.push(s);
    return s;
  };

  it('an execute_request lost on its way: the cell ends with a note (it never ran), the next one runs', async () => {
    const marker = join(d1.rootDir, `ran-${Math.random().toString(36).slice(2)}`);
    const s = await session([`open(${JSON.stringify(marker)}, "w").close()`, '40 + 2']);
    await waitFor(() => relay.channels > 0, 'the kernel websocket');
    relay.swallow('to-server');
    const dropped = relay.dropped;
    await s.execute(0);
    await waitFor(() => relay.dropped > dropped, 'the request to be swallowed');
    const t0 = Date.now();
    relay.cut();
    await untilAll(s, idleAfter(s, 0, 0), 'the cell to end', 15_000);
    report(`execute_request lost: cell idle ${Date.now() - t0} ms after the cut`);
    expect(await outputsOf(s, 0)).toEqual([NOTE]);
    expect(repliesOf(s, 0)).toEqual([
      { cell_id: s.cellIds[0], execution_count: null, status: 'error', parent_id: expect.any(String) },
    ]);
    expect(existsSync(marker)).toBe(false);
    expect(await run(s, 1)).toEqual([
      { output_type: 'execute_result', execution_count: 1, data: { 'text/plain': '42' }, metadata: {} },
    ]);
    await expectConsistent(s);
  });

  it('the reply and idle lost on their way back: outputs that came stay, a note follows, the queued cell runs', async () => {
    const g = gate(d1);
    const s = await session([`print("before", flush=True)\n${g.code}print("after")`, 'print("queued")']);
    const kernel = (await d1.request('GET', `/kernels/${s.uuid}`)).json.id as string;
    await s.execute(0);
    await s.execute(1);
    await untilAll(s, (m) => sequence(s, m).includes('update c0 busy +out'), '"before"');
    await waitFor(
      async () => (await gateway.kernel(kernel)).execution_state === 'busy',
      'the kernel busy',
      30_000,
    );
    relay.swallow('to-client');
    const dropped = relay.dropped;
    g.open();
    // The gateway sees the kernel go idle on its own channel; by then it wrote the idle to d1's socket.
    await waitFor(async () => (await gateway.kernel(kernel)).execution_state === 'idle', 'the kernel idle');
    await waitFor(() => relay.dropped > dropped, 'the reply to be swallowed');
    const t0 = Date.now();
    relay.cut();
    await untilAll(s, idleAfter(s, 1, 0), 'both cells to end', 15_000);
    report(`reply and idle lost: queued cell done ${Date.now() - t0} ms after the cut`);
    expect(await outputsOf(s, 0)).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'before\n' },
      NOTE,
    ]);
    expect(repliesOf(s, 0)).toEqual([expect.objectContaining({ status: 'error' })]);
    expect(await outputsOf(s, 1)).toEqual([{ output_type: 'stream', name: 'stdout', text: 'queued\n' }]);
    expect(repliesOf(s, 1)).toEqual([expect.objectContaining({ status: 'ok', execution_count: 2 })]);
    await expectConsistent(s);
  });
});
