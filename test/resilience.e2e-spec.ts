import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { D1Client } from '../bench/support/client';
import { D1Process, REPO, startD1Process } from '../bench/support/d1-process';
import { Msg, reduce } from '@d1/client';
import { useD1, waitFor } from './support/d1';
import { makeNotebook, uploadAndOpen, validateNotebookFile } from './support/notebooks';
import { WsRecorder } from './support/ws';

// Covered elsewhere, not repeated here: kill -9 of the embedded Jupyter Server (jupyter-supervision and
// notebooks suites: restart, fresh kernels, content kept) and files always valid under kill -9 of d1
// (autosave suite). This suite adds what they leave out.

const cellIdle = (id: string) => (msgs: Msg[]) =>
  msgs.some(
    (m) => m.cell_update?.[0]?.id === id && m.cell_update[0].metadata.jupyter_d1.execution_state === 'idle',
  );

describe('resilience: kernel death, and many writers on one notebook', () => {
  const d1 = useD1();

  it('kill -9 of a kernel mid-execution: the cell ends with an error, the next execution works', async () => {
    const nb = await uploadAndOpen(d1, 'filename=victim.ipynb', makeNotebook(['import os; os.getpid()']));
    const uuid = nb.metadata.jupyter_d1.uuid;
    const [pidCell] = nb.cells.map((c: Msg) => c.id as string);
    const ws = await new WsRecorder(`${d1.wsUrl}/notebooks/${uuid}/ws/notebook`, {
      token: await d1.token(),
    }).ready();
    await d1.request('POST', `/notebooks/${uuid}/cells/${pidCell}/execute`);
    await ws.until(cellIdle(pidCell), 'the pid cell idle', 30_000);
    const got = await d1.request('GET', `/notebooks/${uuid}/cells/${pidCell}`);
    const pid = Number(got.json.cell.outputs[0].data['text/plain']);
    const sleeper = (
      await d1.request('POST', `/notebooks/${uuid}/cells`, {
        body: { source: 'import time\ntime.sleep(60)' },
      })
    ).json.cell.id;
    await d1.request('POST', `/notebooks/${uuid}/cells/${sleeper}/execute`);
    await ws.until(
      (m) =>
        m.some(
          (x) =>
            x.cell_update?.[0]?.id === sleeper &&
            x.cell_update[0].metadata.jupyter_d1.execution_state === 'busy',
        ),
      'busy',
    );
    process.kill(pid, 'SIGKILL');
    await ws.until(cellIdle(sleeper), 'the killed cell to end', 30_000);
    const dead = (await d1.request('GET', `/notebooks/${uuid}/cells/${sleeper}`)).json.cell;
    expect(dead.outputs.at(-1)).toMatchObject({ output_type: 'error', ename: 'DeadKernelError' });
    // The kernel comes back (restarted by Jupyter Server, or replaced by d1): a new run gives a new pid.
    const n = ws.messages.length;
    await waitFor(
      async () => {
        const res = await d1.request('POST', `/notebooks/${uuid}/cells/${pidCell}/execute`);
        return res.status === 200;
      },
      'an execution to be accepted',
      30_000,
    );
    await ws.until((m) => cellIdle(pidCell)(m.slice(n)), 'the next execution', 30_000);
    const again = (await d1.request('GET', `/notebooks/${uuid}/cells/${pidCell}`)).json.cell;
    expect(again.outputs).toHaveLength(1);
    expect(Number(again.outputs[0].data['text/plain'])).not.toBe(pid);
    ws.close();
    await d1.request('DELETE', `/notebooks/${uuid}`);
  }, 90_000);

  it('20 websocket clients and concurrent REST edits and executions end identical to GET', async () => {
    const nb = await uploadAndOpen(
      d1,
      'filename=crowd.ipynb',
      makeNotebook(['n = 0', 'n += 1; n', 'print(n)']),
    );
    const uuid = nb.metadata.jupyter_d1.uuid;
    const ids = nb.cells.map((c: Msg) => c.id as string);
    const start = (await d1.request('GET', `/notebooks/${uuid}`)).json;
    const token = await d1.token();
    const url = `${d1.wsUrl}/notebooks/${uuid}/ws/notebook?since=${start.version}`;
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => new WsRecorder(url, { token }).ready()),
    );
    const writer = async (w: number): Promise<void> => {
      for (let k = 0; k < 12; k++) {
        const cell = ids[(w + k) % ids.length];
        const res =
          k % 3 === 0
            ? await d1.request('PATCH', `/notebooks/${uuid}/cells/${cell}`, {
                body: { source: `n = ${w * 100 + k}` },
              })
            : k % 3 === 1
              ? await d1.request('POST', `/notebooks/${uuid}/cells/${cell}/execute`)
              : await d1.request('POST', `/notebooks/${uuid}/cells`, { body: { source: `# w${w} k${k}` } });
        expect(res.status).toBeLessThan(300);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
    let final: Msg = {};
    await waitFor(
      async () => {
        final = (await d1.request('GET', `/notebooks/${uuid}`)).json;
        const idle = final.notebook.cells.every((c: Msg) => c.metadata.jupyter_d1.execution_state === 'idle');
        return idle && clients.every((c) => (c.messages.at(-1)?.version ?? 0) >= final.version);
      },
      'every client to reach the final version',
      60_000,
    );
    for (const c of clients) expect(reduce(start.notebook, c.messages).cells).toEqual(final.notebook.cells);
    for (const c of clients) c.close();
    await d1.request('DELETE', `/notebooks/${uuid}`);
  }, 90_000);
});

/** d1's process and every process under it (Jupyter Server, kernels), deepest last. */
function tree(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return [pid];
  }
  const kids = out
    .split('\n')
    .map(Number)
    .filter((n) => n > 0);
  return [pid, ...kids.flatMap(tree)];
}

describe('resilience: kill -9 of d1 while a notebook is edited in a loop', () => {
  let d1: D1Process | null = null;
  beforeAll(() => {
    if (!existsSync(join(REPO, 'dist/apps/d1/src/cli.js')))
      execFileSync('npm', ['run', 'build'], { cwd: REPO });
  }, 120_000);
  afterAll(async () => {
    await d1?.stop();
  });

  it('loses no edit acknowledged longer ago than the autosave bound, and the file stays valid', async () => {
    d1 = await startD1Process();
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    writeFileSync(join(d1.rootDir, 'edited.ipynb'), JSON.stringify(makeNotebook(['edit -1', 'x = 1'])));
    const opened = await client.call('POST', '/notebooks/open/?filepath=edited.ipynb');
    const uuid = opened.json.notebook.metadata.jupyter_d1.uuid;
    const cell = opened.json.notebook.cells[0].id;
    const acked: number[] = [];
    const killAt = Date.now() + 2500 + Math.random() * 1500;
    for (let i = 0; Date.now() < killAt; i++) {
      await client.call('PATCH', `/notebooks/${uuid}/cells/${cell}`, { source: `edit ${i}` });
      acked.push(Date.now());
    }
    const pids = tree(d1.pid);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    // Autosave writes at most 1 s after an edit (debounce max wait); allow 1 s more for the write itself.
    const mustHave = acked.filter((t) => t <= killedAt - 2000).length - 1;
    const file = join(d1.rootDir, 'edited.ipynb');
    const onDisk = await validateNotebookFile(file);
    const saved = Number(/^edit (-?\d+)$/.exec(onDisk.cells[0].source)?.[1]);
    expect(saved).toBeGreaterThanOrEqual(mustHave);
    expect(onDisk.cells[1].source).toBe('x = 1');
  }, 60_000);
});
