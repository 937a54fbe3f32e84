import { D1Client, IdleWatch, opened } from './support/client';
import { startD1Process } from './support/d1-process';
import { jupyterClientSession } from './support/python';
import { servicesSession } from './support/services';
import { now, ratio, summarize } from './support/stats';

const CODE = '1+1';

/** One way to run CODE once and time it, kept open across rounds. */
interface Path {
  once(): Promise<number>;
  stop(): Promise<void>;
}

/** d1 (a real start-d1 process): REST execute → the idle cell_update at a websocket client. */
async function d1Path(): Promise<Path> {
  const d1 = await startD1Process();
  try {
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const uuid = await client.createNotebook('roundtrip.ipynb');
    const cell = await client.addCell(uuid, CODE);
    const ws = client.socket(uuid);
    await opened(ws);
    const watch = new IdleWatch(ws, cell);
    return {
      once: async () => {
        const idle = watch.next();
        const t0 = now();
        await client.execute(uuid, cell);
        return (await idle) - t0;
      },
      stop: async () => {
        ws.close();
        await d1.stop();
      },
    };
  } catch (err) {
    await d1.stop();
    throw err;
  }
}

/**
 * Runs the paths round by round (d1, jupyter_client, services, d1, …), so the machine's noise lands on all
 * three alike instead of on whichever block it happened to hit; the first `warmup` rounds are not kept.
 */
async function interleave(paths: Path[], n: number, warmup: number): Promise<number[][]> {
  const samples = paths.map((): number[] => []);
  for (let i = 0; i < warmup + n; i++) {
    for (const [j, path] of paths.entries()) {
      const ms = await path.once();
      if (i >= warmup) samples[j].push(ms);
    }
  }
  return samples;
}

/** `1+1` round trips: d1 vs jupyter_client over ZMQ (the floor) vs @jupyterlab/services via Jupyter Server. */
export async function roundtrip(): Promise<Record<string, unknown>> {
  const n = Number(process.env.BENCH_N ?? 300);
  const warmup = Number(process.env.BENCH_WARMUP ?? 30);
  const paths: Path[] = [];
  try {
    // One at a time, so whatever started is stopped below if a later one fails to.
    paths.push(await d1Path());
    paths.push(await jupyterClientSession(CODE));
    paths.push(await servicesSession(CODE));
    const [d1, zmq, services] = (await interleave(paths, n, warmup)).map(summarize);
    return {
      benchmark: 'roundtrip_1plus1',
      unit: 'ms',
      iterations: n,
      warmup,
      order: 'interleaved: one run of each path per round (d1, jupyter_client, services)',
      d1,
      jupyter_client_zmq: zmq,
      jupyterlab_services: services,
      ratio_d1_to_jupyter_client: { median: ratio(d1.median, zmq.median), p95: ratio(d1.p95, zmq.p95) },
      ratio_d1_to_services: { median: ratio(d1.median, services.median), p95: ratio(d1.p95, services.p95) },
      bar: { ratio_d1_to_jupyter_client_max: 1.3, met: ratio(d1.median, zmq.median) <= 1.3 },
    };
  } finally {
    for (const p of paths) await p.stop().catch(() => undefined);
  }
}
