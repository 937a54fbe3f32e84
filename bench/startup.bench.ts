import { D1Client, IdleWatch, opened } from './support/client';
import { startD1Process } from './support/d1-process';
import { now, summarize } from './support/stats';

/** One start: spawn → /readyz 200, then create a notebook → its first execution idle at a websocket client. */
async function once(): Promise<{ ready: number; firstExecution: number }> {
  const d1 = await startD1Process();
  try {
    const t0 = now();
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const { json } = await client.call('POST', '/notebooks/create?filename=start.ipynb');
    const uuid = json.notebook.metadata.jupyter_d1.uuid as string;
    const cell = await client.addCell(uuid, '1+1');
    const ws = client.socket(uuid);
    await opened(ws);
    const watch = new IdleWatch(ws, cell);
    const idle = watch.next();
    await client.execute(uuid, cell);
    const firstExecution = (await idle) - t0;
    ws.close();
    return { ready: d1.readyMs, firstExecution };
  } finally {
    await d1.stop();
  }
}

/** `start-d1` (built, spawned from bin/) to /readyz 200; open a notebook → first execution finished. */
export async function startup(): Promise<Record<string, unknown>> {
  const repeats = Number(process.env.BENCH_START_REPEATS ?? 5);
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(await once());
  const ready = summarize(runs.map((r) => r.ready));
  return {
    benchmark: 'startup',
    unit: 'ms',
    repeats,
    start_to_readyz: ready,
    open_notebook_to_first_execution_idle: summarize(runs.map((r) => r.firstExecution)),
    bar: { ready_max_ms: 3000, met: ready.median < 3000 && ready.max < 3000 },
  };
}
