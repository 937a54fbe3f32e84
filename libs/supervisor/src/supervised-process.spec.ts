import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAllSync, SupervisedProcess, SupervisedProcessOptions } from './index';
import { FIXTURE_SERVER, get, isGone, until } from './spec-helpers';

let dir: string;
let script: string;
const started: SupervisedProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'd1-supervisor-'));
  script = join(dir, 'server.js');
  await writeFile(script, FIXTURE_SERVER);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function supervise(env: Record<string, string> = {}, extra: Partial<SupervisedProcessOptions> = {}) {
  const proc = new SupervisedProcess({
    name: 'fixture',
    command: [process.execPath, script, '{port}', '--base={base_url}'],
    environment: env,
    readiness: { timeoutMs: 3000 },
    restart: { initialBackoffMs: 20 },
    ...extra,
  });
  started.push(proc);
  return proc;
}

function pidFromLogs(proc: SupervisedProcess, key: string): number {
  const line = proc.logs().find((l) => l.includes(`${key}=`)) ?? '';
  return Number(new RegExp(`${key}=(\\d+)`).exec(line)?.[1]);
}

describe('SupervisedProcess', () => {
  it('starts, renders templates, and answers HTTP once ready', async () => {
    const proc = supervise({ GREETING: 'port-{port}' }, { baseUrl: '/base/' });
    const states: string[] = [];
    proc.on('state', (s) => states.push(s));
    await proc.start();
    const { state, pid, port, restarts } = proc.info();
    expect({ state, restarts }).toEqual({ state: 'running', restarts: 0 });
    expect(await get(`http://127.0.0.1:${port}/`)).toEqual({ status: 200, body: `hello from ${pid}` });
    expect(proc.logs()[0]).toBe(`pid=${pid} args=--base=/base/ greeting=port-${port}`);
    expect(states).toEqual(['starting', 'running']);
  });

  it('shares one start between concurrent callers', async () => {
    const proc = supervise();
    await Promise.all([proc.start(), proc.start()]);
    expect(proc.logs().filter((l) => l.startsWith('pid='))).toHaveLength(1);
  });

  it('waits for an accepted status when `accept` is given', async () => {
    const proc = supervise({ FAIL_FIRST: '3' }, { readiness: { timeoutMs: 3000, accept: (s) => s === 200 } });
    await proc.start();
    await until(() => proc.logs().includes('GET / 200'));
    expect(proc.logs().filter((l) => l.startsWith('GET / '))).toEqual([
      'GET / 503',
      'GET / 503',
      'GET / 503',
      'GET / 200',
    ]);
  });

  it('rejects on timeout with the last output and leaves no child', async () => {
    const proc = supervise(
      { NO_LISTEN: '1', LINES: '2' },
      { readiness: { timeoutMs: 300, url: '/api/status' } },
    );
    const error = await proc.start().then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(
      /^fixture was not ready within 300 ms \(no HTTP answer from http:\/\/127.0.0.1:\d+\/api\/status\)/,
    );
    expect(error?.message).toContain('  line 2');
    const pid = pidFromLogs(proc, 'pid');
    expect(() => process.kill(pid, 0)).toThrow();
    expect(proc.info()).toMatchObject({ state: 'failed', pid: null });
  });

  it('fails fast when the child exits before it is ready', async () => {
    const proc = supervise({ EXIT_CODE: '3' }, { readiness: { timeoutMs: 10_000 } });
    const t0 = Date.now();
    await expect(proc.start()).rejects.toThrow(
      /fixture exited with code 3 before it was ready\. Last output:[^]*boom/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(proc.info()).toMatchObject({ state: 'failed', lastExit: { code: 3, signal: null } });
  });

  it('reports a command that cannot be spawned', async () => {
    const proc = supervise({}, { command: [join(dir, 'missing-binary')] });
    await expect(proc.start()).rejects.toThrow(/could not be started: spawn .*missing-binary ENOENT/);
  });

  it('restarts after kill -9 on the same port, with readiness again and a new pid', async () => {
    const proc = supervise();
    await proc.start();
    const before = proc.info();
    const restarted = once(proc, 'restarted');
    process.kill(before.pid!, 'SIGKILL');
    await restarted;
    const after = proc.info();
    expect(after).toMatchObject({ state: 'running', restarts: 1, port: before.port });
    expect(after.lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
    expect(after.pid).not.toBe(before.pid);
    expect((await get(`http://127.0.0.1:${after.port}/`)).body).toBe(`hello from ${after.pid}`);
    expect(proc.logs()).toContain('[supervisor] fixture was killed by SIGKILL; restarting in 20 ms.');
  });

  it('restarts after a clean exit when `always`', async () => {
    const proc = supervise();
    await proc.start();
    const restarted = once(proc, 'restarted');
    await get(`http://127.0.0.1:${proc.info().port}/exit`);
    await restarted;
    expect(proc.info()).toMatchObject({ state: 'running', restarts: 1, lastExit: { code: 0 } });
  });

  it('leaves a clean exit alone when not `always`', async () => {
    const proc = supervise({}, { restart: { always: false } });
    await proc.start();
    const stopped = once(proc, 'state');
    await get(`http://127.0.0.1:${proc.info().port}/exit`);
    expect(await stopped).toEqual(['stopped']);
    expect(proc.info()).toMatchObject({ restarts: 0, pid: null });
  });

  it('stops with SIGTERM, idempotently, and never restarts', async () => {
    const proc = supervise();
    await proc.start();
    const { pid } = proc.info();
    await Promise.all([proc.stop(), proc.stop()]);
    await proc.stop();
    expect(proc.logs()).toContain('got SIGTERM');
    expect(proc.info()).toMatchObject({ state: 'stopped', pid: null, restarts: 0, lastExit: { code: 0 } });
    expect(isGone(pid!)).toBe(true);
  });

  it('sends SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const proc = supervise({ IGNORE_TERM: '1' }, { stopSignalGraceMs: 300 });
    await proc.start();
    await until(() => proc.logs().some((l) => l.startsWith('GET')));
    const t0 = Date.now();
    await proc.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    expect(proc.logs()).toContain('ignoring SIGTERM');
    expect(proc.info().lastExit).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('kills grandchildren with the group, on stop and after a crash', async () => {
    const proc = supervise({ GRANDCHILD: '1' });
    await proc.start();
    const first = pidFromLogs(proc, 'grandchild');
    const restarted = once(proc, 'restarted');
    process.kill(proc.info().pid!, 'SIGKILL');
    await restarted;
    await until(() => isGone(first));
    const second = Number(
      /grandchild=(\d+)/.exec(
        proc
          .logs()
          .filter((l) => l.includes('grandchild='))
          .pop()!,
      )?.[1],
    );
    expect(second).not.toBe(first);
    await proc.stop();
    await until(() => isGone(second));
  });

  it('runs beforeStop first and carries on with signals when it hangs', async () => {
    const seen: string[] = [];
    const proc = supervise(
      {},
      {
        beforeStopTimeoutMs: 100,
        beforeStop: async (info) => {
          seen.push(`${info.state} ${info.pid}`);
          await new Promise(() => undefined);
        },
      },
    );
    await proc.start();
    const { pid } = proc.info();
    await proc.stop();
    expect(seen).toEqual([`stopping ${pid}`]);
    expect(proc.logs()).toContain('got SIGTERM');
    expect(proc.logs().some((l) => l.includes('beforeStop failed (timed out after 100 ms)'))).toBe(true);
  });

  it('stops a process that is still starting, rejecting its start', async () => {
    const proc = supervise({ NO_LISTEN: '1' });
    const starting = proc.start().then(
      () => null,
      (e: Error) => e.message,
    );
    await until(() => proc.logs().length > 0);
    const pid = pidFromLogs(proc, 'pid');
    await proc.stop();
    expect(await starting).toBe('fixture was stopped before it was ready.');
    expect(proc.info().state).toBe('stopped');
    expect(isGone(pid)).toBe(true);
  });

  it('lets start() wait for a restart under way', async () => {
    const proc = supervise({}, { restart: { initialBackoffMs: 200 } });
    await proc.start();
    const restarting = once(proc, 'state');
    process.kill(proc.info().pid!, 'SIGKILL');
    expect(await restarting).toEqual(['restarting']);
    await proc.start();
    expect(proc.info()).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('keeps a bounded log and emits each line', async () => {
    const proc = supervise({ LINES: '20' }, { logLines: 5 });
    const lines: string[] = [];
    proc.on('log', (l) => lines.push(l));
    await proc.start();
    await until(() => lines.includes('line 20'));
    expect(lines.slice(0, 3)).toEqual([expect.stringMatching(/^pid=/), 'line 1', 'line 2']);
    expect(proc.logs()).toHaveLength(5);
    expect(proc.logs(2)).toEqual(proc.logs().slice(3));
  });

  it('supervises python http.server', async () => {
    const proc = supervise(
      {},
      { command: ['/usr/bin/python3', '-u', '-m', 'http.server', '{port}', '--bind', '127.0.0.1'], cwd: dir },
    );
    await proc.start();
    const { status, body } = await get(`http://127.0.0.1:${proc.info().port}/`);
    expect(status).toBe(200);
    expect(body).toContain('server.js');
    await proc.stop();
    expect(proc.info().state).toBe('stopped');
  });

  it('killAllSync takes every supervised group down at once', async () => {
    const proc = supervise({ GRANDCHILD: '1' }, { restart: { enabled: false } });
    await proc.start();
    const { pid } = proc.info();
    const grandchild = pidFromLogs(proc, 'grandchild');
    const failed = once(proc, 'state');
    killAllSync();
    expect(await failed).toEqual(['failed']);
    expect(proc.info().lastExit).toMatchObject({ signal: 'SIGKILL' });
    await until(() => isGone(pid!) && isGone(grandchild));
  });

  it('can be started again after stop, and restart() counts as a restart', async () => {
    const proc = supervise();
    await proc.start();
    const { port } = proc.info();
    await Promise.all([proc.stop(), proc.start()]);
    expect(proc.info()).toMatchObject({ state: 'running', port });
    const restarted = once(proc, 'restarted');
    await proc.restart();
    await restarted;
    expect(proc.info()).toMatchObject({ state: 'running', restarts: 1, port });
  });
});
