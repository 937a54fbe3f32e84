import { D1Client, IdleWatch, opened } from './support/client';
import { D1Process, startD1Process } from './support/d1-process';
import { now, ratio, summarize } from './support/stats';
import { waitFor } from '../test/support/wait';

/** The target for open → first result with the default pool (SPEC §13). */
const BAR_MS = 150;

/** One d1 process measured across rounds. */
interface Side {
  d1: D1Process;
  client: D1Client;
  /** Waits until the next open finds what this side is meant to find (a full pool, or nothing). */
  settle(): Promise<void>;
}

async function side(args: string[], pooled: boolean): Promise<Side> {
  const d1 = await startD1Process({ args });
  const client = await D1Client.login(d1.baseUrl, d1.secret);
  const settle = async (): Promise<void> => {
    if (!pooled) return;
    await waitFor(
      async () => (await client.call('GET', '/kernels/pool')).json.kernel_pool.ready >= 1,
      'the kernel pool to refill',
      60_000,
    );
  };
  return { d1, client, settle };
}

/**
 * Create a notebook → add a `1+1` cell → open its websocket → execute → the idle update at the client: what a
 * user waits for after opening a notebook. Checks the result is 2; closes the notebook (and its kernel).
 */
async function openToFirstResult(client: D1Client, round: number): Promise<number> {
  const t0 = now();
  const { json } = await client.call('POST', `/notebooks/create?filename=first-${round}.ipynb`);
  const uuid = json.notebook.metadata.jupyter_d1.uuid as string;
  const cell = await client.addCell(uuid, '1+1');
  const ws = client.socket(uuid);
  await opened(ws);
  const idle = new IdleWatch(ws, cell).next();
  await client.execute(uuid, cell);
  const elapsed = (await idle) - t0;
  ws.close();
  const got = await client.call('GET', `/notebooks/${uuid}/cells/${cell}`);
  const result = got.json.cell.outputs[0]?.data?.['text/plain'];
  if (result !== '2') throw new Error(`1+1 gave ${JSON.stringify(got.json.cell.outputs)}`);
  await client.call('DELETE', `/notebooks/${uuid}`);
  return elapsed;
}

/**
 * Open a notebook → first `1+1` result, with the default kernel pool and with `--kernel-pool 0`, two d1
 * processes measured in alternating rounds so machine noise lands on both alike.
 */
export async function firstResult(): Promise<Record<string, unknown>> {
  const rounds = Number(process.env.BENCH_FIRST_N ?? 10);
  const withPool = await side([], true);
  const withoutPool = await side(['--kernel-pool', '0'], false);
  const samples = { pool: [] as number[], none: [] as number[] };
  try {
    for (let i = 0; i < rounds; i++) {
      await withPool.settle();
      samples.pool.push(await openToFirstResult(withPool.client, i));
      await withoutPool.settle();
      samples.none.push(await openToFirstResult(withoutPool.client, i));
    }
  } finally {
    await withPool.d1.stop();
    await withoutPool.d1.stop();
  }
  const pool = summarize(samples.pool);
  const none = summarize(samples.none);
  return {
    benchmark: 'first_result',
    unit: 'ms',
    rounds,
    what: 'create notebook -> add 1+1 -> websocket -> execute -> idle update at the client',
    with_pool: pool,
    without_pool: none,
    speedup: ratio(none.median, pool.median),
    bar: { with_pool_max_ms: BAR_MS, met: pool.median < BAR_MS },
  };
}
