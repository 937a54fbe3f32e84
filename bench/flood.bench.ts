import { D1Client, IdleWatch, opened } from './support/client';
import { startD1Process } from './support/d1-process';
import { jupyterClient } from './support/python';
import { servicesSamples } from './support/services';
import { now, ratio, summarize } from './support/stats';

const LINES = Number(process.env.BENCH_FLOOD_LINES ?? 100_000);
const CODE = `for i in range(${LINES}): print(i)`;

/**
 * A cell printing 100k lines: REST execute → idle at a websocket client through d1 (fresh process, so its
 * peak RSS is this run's), against the same code on a kernel alone over ZMQ, measured in the same run.
 */
export async function flood(): Promise<Record<string, unknown>> {
  const repeats = Number(process.env.BENCH_FLOOD_REPEATS ?? 5);
  const kernel = await jupyterClient(['flood', String(repeats), CODE]);
  // The same through Jupyter Server without d1: tells the server hop d1 must use from d1 itself.
  const services = summarize(await servicesSamples(CODE, repeats, 1));
  const d1 = await startD1Process();
  try {
    const client = await D1Client.login(d1.baseUrl, d1.secret);
    const uuid = await client.createNotebook('flood.ipynb');
    const cell = await client.addCell(uuid, CODE);
    const ws = client.socket(uuid);
    await opened(ws);
    const watch = new IdleWatch(ws, cell);
    const samples: number[] = [];
    const messages: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const before = watch.messages;
      const idle = watch.next();
      const t0 = now();
      await client.execute(uuid, cell);
      samples.push((await idle) - t0);
      messages.push(watch.messages - before);
      rss.push(d1.memory().rssMb);
    }
    ws.close();
    const d1Summary = summarize(samples);
    const kernelSummary = summarize(kernel.samples_ms);
    const peak = d1.memory().peakMb;
    const r = ratio(d1Summary.median, kernelSummary.median);
    return {
      benchmark: 'output_flood',
      unit: 'ms',
      lines: LINES,
      repeats,
      d1: d1Summary,
      kernel_alone_jupyter_client: kernelSummary,
      kernel_iopub_messages: kernel.messages,
      jupyterlab_services_via_jupyter_server: services,
      ratio_d1_to_kernel: r,
      ratio_services_to_kernel: ratio(services.median, kernelSummary.median),
      ratio_d1_to_services: ratio(d1Summary.median, services.median),
      messages_per_client: messages,
      d1_rss_mb_after_each: rss,
      d1_peak_rss_mb: peak,
      bar: { ratio_max: 1.2, rss_max_mb: 300, met: r <= 1.2 && peak < 300 },
    };
  } finally {
    await d1.stop();
  }
}
