import { D1Client, IdleWatch, opened } from './support/client';
import { startD1Process } from './support/d1-process';
import { jupyterClient } from './support/python';
import { servicesSamples } from './support/services';
import { now, ratio, summarize } from './support/stats';

const CODE = '1+1';

/** d1: REST execute → the idle cell_update at a websocket client. */
async function viaD1(n: number, warmup: number): Promise<number[]> {
  const d1 = await startD1Process();
  try {
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const uuid = await client.createNotebook('roundtrip.ipynb');
    const cell = await client.addCell(uuid, CODE);
    const ws = client.socket(uuid);
    await opened(ws);
    const watch = new IdleWatch(ws, cell);
    const samples: number[] = [];
    for (let i = 0; i < warmup + n; i++) {
      const idle = watch.next();
      const t0 = now();
      await client.execute(uuid, cell);
      const t1 = await idle;
      if (i >= warmup) samples.push(t1 - t0);
    }
    ws.close();
    return samples;
  } finally {
    await d1.stop();
  }
}

/** `1+1` round trips: d1 vs jupyter_client over ZMQ (the floor) vs @jupyterlab/services via Jupyter Server. */
export async function roundtrip(): Promise<Record<string, unknown>> {
  const n = Number(process.env.BENCH_N ?? 300);
  const warmup = Number(process.env.BENCH_WARMUP ?? 30);
  const zmq = summarize((await jupyterClient(['roundtrip', String(n), String(warmup), CODE])).samples_ms);
  const services = summarize(await servicesSamples(CODE, n, warmup));
  const d1 = summarize(await viaD1(n, warmup));
  return {
    benchmark: 'roundtrip_1plus1',
    unit: 'ms',
    iterations: n,
    warmup,
    d1,
    jupyter_client_zmq: zmq,
    jupyterlab_services: services,
    ratio_d1_to_jupyter_client: { median: ratio(d1.median, zmq.median), p95: ratio(d1.p95, zmq.p95) },
    ratio_d1_to_services: { median: ratio(d1.median, services.median), p95: ratio(d1.p95, services.p95) },
    bar: { ratio_d1_to_jupyter_client_max: 1.3, met: ratio(d1.median, zmq.median) <= 1.3 },
  };
}
